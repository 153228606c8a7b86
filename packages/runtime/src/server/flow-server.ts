import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { HttpReply, WsHub } from "../engine/types.js";
import { HttpError, readBody } from "./body.js";
import { RouteTable } from "./route-table.js";
import { SocketHub } from "./ws-hub.js";

export interface FlowServerOptions {
  host: string;
  port: number;
  log: Logger;
  bodyLimitBytes?: number;
}

export interface FlowServer {
  readonly http: RouteTable;
  readonly ws: SocketHub & WsHub;
  /** The port and address really bound. */
  listen(): Promise<{ port: number; address: string }>;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * CORS headers for a route: none unless the route lists origins (http-in's
 * `cors`); then the request's Origin is echoed when it is listed, and
 * `Vary: Origin` tells caches the answer depends on it.
 */
function corsHeaders(allowed: readonly string[] | undefined, origin: string | undefined): Record<string, string> {
  if (!allowed || allowed.length === 0) return {};
  if (origin !== undefined && allowed.includes(origin)) return { "access-control-allow-origin": origin, vary: "Origin" };
  return { vary: "Origin" };
}

function writeReply(res: ServerResponse, reply: HttpReply, cors: Record<string, string>): void {
  const headers: Record<string, string> = { ...cors, ...(reply.headers ?? {}) };
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === "content-type");
  const body = reply.body;
  if (body === undefined || body === null) {
    res.writeHead(reply.status, headers);
    res.end();
  } else if (Buffer.isBuffer(body)) {
    res.writeHead(reply.status, { ...(hasType ? {} : { "content-type": "application/octet-stream" }), ...headers });
    res.end(body);
  } else if (typeof body === "string") {
    res.writeHead(reply.status, { ...(hasType ? {} : { "content-type": "text/plain; charset=utf-8" }), ...headers });
    res.end(body);
  } else {
    const text = JSON.stringify(body);
    res.writeHead(reply.status, { ...(hasType ? {} : { "content-type": "application/json; charset=utf-8" }), ...headers });
    res.end(text);
  }
}

function parseQuery(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(search.keys())) {
    const all = search.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/** The server `http-in` routes and `ws-out` endpoints of every flow live on. */
export function createFlowServer(options: FlowServerOptions): FlowServer {
  const routes = new RouteTable();
  const limit = options.bodyLimitBytes ?? 1_000_000;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    let path: string;
    try {
      path = decodeURI(url.pathname);
    } catch {
      sendJson(res, 400, { error: "bad request", message: "malformed path" });
      return;
    }
    const origin = typeof req.headers.origin === "string" ? req.headers.origin : undefined;
    const preflightMethod = req.headers["access-control-request-method"];
    if (method === "OPTIONS" && origin !== undefined && typeof preflightMethod === "string") {
      req.resume();
      const target = routes.find(preflightMethod, url.pathname);
      const cors = "handler" in target ? corsHeaders(target.meta.cors, origin) : {};
      if (!cors["access-control-allow-origin"]) {
        sendJson(res, 403, { error: "forbidden", message: `${preflightMethod.toUpperCase()} ${path} does not accept cross-origin requests from ${origin}` }, cors);
        return;
      }
      res.writeHead(204, {
        ...cors,
        "access-control-allow-methods": preflightMethod.toUpperCase(),
        "access-control-allow-headers": String(req.headers["access-control-request-headers"] ?? "content-type, authorization"),
        "access-control-max-age": "600",
      });
      res.end();
      return;
    }
    const found = routes.find(method, url.pathname);
    if (!("handler" in found)) {
      req.resume();
      if (found.allowed.length > 0) {
        sendJson(res, 405, { error: "method not allowed", message: `${method} is not allowed on ${path}` }, { allow: found.allowed.join(", ") });
        return;
      }
      // Clients of the seeds' backends call `/x` and `/x/` alike: send them to the path that is served.
      // 308 keeps the method and body of a POST; GET and HEAD get the familiar 301.
      const other = url.pathname.endsWith("/") ? url.pathname.slice(0, -1) : `${url.pathname}/`;
      if (other !== "" && "handler" in routes.find(method, other)) {
        const location = `${other}${url.search}`;
        sendJson(res, method === "GET" || method === "HEAD" ? 301 : 308, { error: "moved", location }, { location });
        return;
      }
      sendJson(res, 404, { error: "not found", path });
      return;
    }
    const cors = corsHeaders(found.meta.cors, origin);
    try {
      const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req, limit);
      const reply = await found.handler({
        method,
        path,
        params: found.params,
        query: parseQuery(url.searchParams),
        headers: req.headers,
        body,
      });
      writeReply(res, reply, cors);
    } catch (err) {
      if (err instanceof HttpError) {
        sendJson(res, err.status, { error: err.code, message: err.message }, cors);
        return;
      }
      options.log.error({ err, path }, "flow route failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error", message: err instanceof Error ? err.message : String(err) }, cors);
      else res.destroy();
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log.error({ err }, "flow request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
    });
  });
  const ws = new SocketHub(server, options.log);

  return {
    http: routes,
    ws,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, options.host, () => {
          server.off("error", reject);
          const bound = server.address() as AddressInfo;
          resolve({ port: bound.port, address: bound.address });
        });
      }),
    close: async () => {
      ws.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
