import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Express, NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import type { Engine } from "../engine/engine.js";
import type { Registry } from "../registry/registry.js";
import type { FlowManagerApi, DeployOutcome } from "../manager/types.js";
import type { Health, HealthCluster } from "../api/types.js";
import type { ClusterView } from "../cluster/types.js";
import { flowFileJsonSchema } from "../flow/index.js";
import type { AdminAuth } from "./auth.js";
import { bearerFromProtocols, type EventHub } from "./events.js";
import { HostGuard } from "./host-guard.js";
import type { RuntimeMetrics } from "./metrics.js";
import { eventLoopDelay } from "../engine/stall-monitor.js";
import { openApiDocument, type RouteDoc } from "./openapi.js";
import { editorAssets } from "./editor-assets.js";
import { contextRoutes } from "./context-api.js";
import { flowFileRoutes } from "./flow-files-api.js";

export interface AdminServerOptions {
  host: string;
  port: number;
  manager: FlowManagerApi;
  engine: Engine;
  registry: Registry;
  events: EventHub;
  metrics: RuntimeMetrics;
  auth: AdminAuth;
  /** Host names the admin API answers to besides loopback and the bound address (`--allowed-hosts`). */
  allowedHosts?: readonly string[];
  log: Logger;
  /** Built editor (index.html and assets); a hint page is served when it is missing. */
  editorDir?: string;
  version?: string;
  isReady(): boolean;
  /** The store backend, and with PostgreSQL the cluster this runtime belongs to (for /api/health). */
  backend?: "sqlite" | "postgresql";
  cluster?: { instance: string; view(): Promise<ClusterView> };
}

export interface AdminServer {
  /** The port and address really bound. */
  listen(): Promise<{ port: number; address: string }>;
  /** Loads the HTTP framework and sets up the routes now rather than at the first request (the runtime calls it once ready). */
  prepare(): Promise<void>;
  close(): Promise<void>;
}

type Handler = (req: Request, res: Response) => void | Promise<void>;

/** The cluster part of /api/health: peers and lock holders by instance id (hosts and pids are for /metrics, behind the token). */
async function clusterHealth(cluster: AdminServerOptions["cluster"]): Promise<HealthCluster | undefined> {
  if (!cluster) return undefined;
  try {
    const v = await cluster.view();
    return {
      instance: v.instance,
      peers: v.peers.map((p) => ({ instance: p.instance, lastSeenSecondsAgo: p.ageSeconds })),
      locks: v.locks.map((l) => ({ job: l.job, holder: l.holder, lastRun: l.lastRun, runs: l.runs })),
    };
  } catch (err) {
    return { instance: cluster.instance, peers: [], locks: [], error: `the cluster's database did not answer: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The token of `Authorization: Bearer …` only: a token in the URL ends up in logs and browser history. */
function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice(7) : undefined;
}

function refuseUpgrade(socket: Duplex, status: string, body: Record<string, string>): void {
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

/** The flows of the same "deploy all" (`companions`: flow documents), whose nodes links may name before they run. */
function companionsOf(body: unknown): readonly unknown[] {
  const companions = body !== null && typeof body === "object" ? (body as { companions?: unknown }).companions : undefined;
  return Array.isArray(companions) ? companions : [];
}

function revisionParam(value: unknown): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : Number.NaN;
}

type ExpressModule = typeof import("express");

export function createAdminServer(o: AdminServerOptions): AdminServer {
  const hosts = new HostGuard({ boundHost: o.host, allowedHosts: o.allowedHosts });
  const startedAt = Date.now();
  // express and its middleware load at the first request (or right after ready, see `prepare`), not in the start's critical path.
  let handler: Promise<Express> | undefined;
  const prepare = (): Promise<Express> =>
    (handler ??= import("express").then(
      (m) => routesOn(m.default),
      (err: unknown) => {
        // Tried again at the next request rather than failing every request for the life of the process.
        handler = undefined;
        throw err;
      },
    ));

  const routesOn = (express: ExpressModule): Express => {
    const app = express();
    app.disable("x-powered-by");
    app.set("strict routing", true);
    // Before anything else, the editor's files included: a rebound or foreign page gets nothing at all.
    app.use((req: Request, res: Response, next: NextFunction) => {
      const checked = hosts.check(req);
      if (checked.ok) return next();
      res.status(403).json({ error: "forbidden", message: checked.message });
    });
    app.use(express.json({ limit: "5mb" }));

    const replyDeploy = (res: Response, flowId: string, outcome: DeployOutcome, created = false): void => {
      if (outcome.ok) {
        o.metrics.deploys.inc({ flow: flowId, outcome: "accepted" });
        res.status(created ? 201 : 200).json(outcome.result);
      } else if (outcome.kind === "validation") {
        o.metrics.deploys.inc({ flow: flowId, outcome: "refused" });
        res.status(400).json({ error: "validation", message: `the flow has ${outcome.errors.length} problem(s); nothing was changed`, errors: outcome.errors });
      } else if (outcome.kind === "conflict") {
        o.metrics.deploys.inc({ flow: flowId, outcome: "conflict" });
        res.status(409).json({
          error: "conflict",
          message: `flow ${flowId} is at revision ${outcome.currentRevision}: someone deployed since your edit began; reload or compare before deploying`,
          currentRevision: outcome.currentRevision,
        });
      } else {
        res.status(404).json({ error: "not found", message: `no flow ${flowId}` });
      }
    };

    const health = async (): Promise<Health> => {
      const flows = o.manager.list().map((f) => ({ id: f.id, state: f.state }));
      const cluster = await clusterHealth(o.cluster);
      const degraded = flows.some((f) => f.state === "failed") || cluster?.error !== undefined;
      return {
        status: degraded ? "degraded" : "ok",
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        flows,
        eventLoop: eventLoopDelay(),
        ...(o.backend ? { backend: o.backend } : {}),
        ...(cluster ? { cluster } : {}),
      };
    };

    const routes: (RouteDoc & { handler: Handler })[] = [
      { method: "get", path: "/api/health", summary: "Liveness and flow states", responses: { 200: "Health" }, open: true, handler: async (_q, r) => void r.json(await health()) },
      {
        method: "get",
        path: "/api/ready",
        summary: "Readiness: every flow loaded",
        responses: { 200: "ready", 503: "starting" },
        open: true,
        handler: (_q, r) => void (o.isReady() ? r.json({ ready: true }) : r.status(503).json({ ready: false })),
      },
      { method: "get", path: "/api/flows", summary: "List flows", responses: { 200: "FlowSummary[]" }, handler: (_q, r) => void r.json(o.manager.list()) },
      {
        method: "post",
        path: "/api/flows",
        summary: "Create a flow",
        body: "DeployRequest",
        responses: { 201: "DeployResult", 400: "ValidationFailure", 409: "Conflict" },
        handler: async (q, r) => {
          const body = q.body as { flow?: { id?: unknown }; message?: string; author?: string } | undefined;
          const flowId = typeof body?.flow?.id === "string" ? body.flow.id : "";
          if (!flowId) return void r.status(400).json({ error: "validation", message: "body must be { flow } with flow.id", errors: [{ pointer: "/flow/id", message: "is required" }] });
          replyDeploy(r, flowId, await o.manager.deploy({ flowId, flow: body!.flow, expectedRevision: 0, message: body!.message, author: body!.author}), true);
        },
      },
      {
        method: "post",
        path: "/api/flows/batch",
        summary: "Deploy several flows, all or none (flows that link to each other go together)",
        body: "BatchDeployRequest",
        responses: { 200: "BatchDeployResult", 400: "ValidationFailure", 409: "BatchConflict" },
        handler: async (q, r) => {
          const body = q.body as { flows?: unknown; message?: string; author?: string } | undefined;
          const entries = Array.isArray(body?.flows) ? (body.flows as unknown[]) : undefined;
          const inputs = entries?.map((e) => {
            const entry = (e !== null && typeof e === "object" ? e : {}) as { flow?: { id?: unknown }; expectedRevision?: unknown };
            const flowId = typeof entry.flow?.id === "string" ? entry.flow.id : "";
            const expectedRevision = typeof entry.expectedRevision === "number" ? entry.expectedRevision : undefined;
            return { flowId, flow: entry.flow, expectedRevision, message: body?.message, author: body?.author };
          });
          const missing = inputs?.flatMap((input, i) => (input.flowId ? [] : [{ pointer: `/flows/${i}/flow/id`, message: "is required" }])) ?? [{ pointer: "/flows", message: "must be a list of { flow, expectedRevision? }" }];
          if (missing.length > 0 || !inputs || inputs.length === 0) return void r.status(400).json({ error: "validation", message: "body must be { flows: [{ flow, expectedRevision? }, …] }", errors: missing });
          const outcome = await o.manager.deployBatch(inputs);
          for (const input of inputs) o.metrics.deploys.inc({ flow: input.flowId, outcome: outcome.ok ? "accepted" : outcome.kind === "conflict" ? "conflict" : "refused" });
          if (outcome.ok) return void r.json({ results: outcome.results });
          if (outcome.kind === "conflict") {
            const names = outcome.conflicts.map((c) => `${c.flowId} is at revision ${c.currentRevision}`).join(", ");
            return void r.status(409).json({ error: "conflict", message: `${names}: someone deployed since your edit began; nothing was changed`, conflicts: outcome.conflicts });
          }
          r.status(400).json({ error: "validation", message: `the flows have ${outcome.errors.length} problem(s); nothing was changed`, errors: outcome.errors });
        },
      },
      {
        method: "get",
        path: "/api/flows/:id",
        summary: "Get a flow with its revision",
        responses: { 200: "FlowDetail", 404: "no such flow" },
        handler: (q, r) => {
          const detail = o.manager.get(String(q.params.id));
          if (!detail) return void r.status(404).json({ error: "not found", message: `no flow ${String(q.params.id)}` });
          r.json(detail);
        },
      },
      {
        method: "put",
        path: "/api/flows/:id",
        summary: "Deploy a flow (expectedRevision guards against concurrent edits)",
        body: "DeployRequest",
        responses: { 200: "DeployResult", 400: "ValidationFailure", 409: "Conflict" },
        handler: async (q, r) => {
          const body = q.body as { flow?: unknown; expectedRevision?: number; message?: string; author?: string } | undefined;
          const flowId = String(q.params.id);
          if (!body || body.flow === undefined) return void r.status(400).json({ error: "validation", message: "body must be { flow, expectedRevision? }", errors: [{ pointer: "/flow", message: "is required" }] });
          replyDeploy(r, flowId, await o.manager.deploy({ flowId, flow: body.flow, expectedRevision: body.expectedRevision, message: body.message, author: body.author }));
        },
      },
      {
        method: "delete",
        path: "/api/flows/:id",
        summary: "Stop and delete a flow (its file too)",
        query: ["expectedRevision"],
        responses: { 204: "deleted", 404: "no such flow", 409: "Conflict" },
        handler: async (q, r) => {
          const expected = revisionParam(q.query.expectedRevision);
          if (Number.isNaN(expected)) return void r.status(400).json({ error: "bad request", message: "expectedRevision must be a whole number" });
          const flowId = String(q.params.id);
          const result = await o.manager.remove(flowId, expected);
          if (result.ok) return void r.status(204).end();
          if (result.kind === "conflict") return void r.status(409).json({ error: "conflict", message: `flow ${flowId} is at revision ${result.currentRevision}`, currentRevision: result.currentRevision });
          r.status(404).json({ error: "not found", message: `no flow ${flowId}` });
        },
      },
      {
        method: "post",
        path: "/api/flows/:id/validate",
        summary: "Validate without deploying; returns every problem and the diff",
        body: "{ flow, companions? }",
        responses: { 200: "ValidateResult" },
        handler: (q, r) => void r.json(o.manager.validate(String(q.params.id), (q.body as { flow?: unknown } | undefined)?.flow, companionsOf(q.body))),
      },
      {
        method: "get",
        path: "/api/flows/:id/revisions",
        summary: "Revisions of a flow, newest first",
        responses: { 200: "RevisionSummary[]" },
        handler: async (q, r) => void r.json(await o.manager.revisions(String(q.params.id))),
      },
      {
        method: "get",
        path: "/api/flows/:id/revisions/:rev",
        summary: "One revision with its document",
        responses: { 200: "RevisionDetail", 404: "no such revision" },
        handler: async (q, r) => {
          const detail = await o.manager.revision(String(q.params.id), Number(q.params.rev));
          if (!detail) return void r.status(404).json({ error: "not found", message: `no revision ${String(q.params.rev)} of ${String(q.params.id)}` });
          r.json(detail);
        },
      },
      {
        method: "get",
        path: "/api/flows/:id/diff",
        summary: "Diff two revisions (to defaults to the running one)",
        query: ["from", "to"],
        responses: { 200: "RevisionDiff", 400: "bad parameters", 404: "no such revision" },
        handler: async (q, r) => {
          const from = revisionParam(q.query.from);
          const to = revisionParam(q.query.to);
          if (from === undefined || Number.isNaN(from) || Number.isNaN(to)) return void r.status(400).json({ error: "bad request", message: "from (and optional to) must be revision numbers" });
          const diff = await o.manager.diff(String(q.params.id), from, to);
          if (!diff) return void r.status(404).json({ error: "not found", message: "no such revision" });
          r.json(diff);
        },
      },
      {
        method: "post",
        path: "/api/flows/:id/rollback",
        summary: "Deploy an earlier revision again (as a new revision)",
        body: "RollbackRequest",
        responses: { 200: "DeployResult", 404: "no such revision", 409: "Conflict" },
        handler: async (q, r) => {
          const body = q.body as { revision?: number; expectedRevision?: number; author?: string } | undefined;
          if (typeof body?.revision !== "number") return void r.status(400).json({ error: "bad request", message: "body must be { revision }" });
          const flowId = String(q.params.id);
          replyDeploy(r, flowId, await o.manager.rollback(flowId, body.revision, { expectedRevision: body.expectedRevision, author: body.author }));
        },
      },
      {
        method: "post",
        path: "/api/flows/:id/nodes/:node/trigger",
        summary: "Fire a node now (inject, schedule)",
        responses: { 202: "triggered", 404: "no such node or it cannot be triggered" },
        handler: async (q, r) => {
          const ok = await o.engine.trigger(String(q.params.id), String(q.params.node));
          if (!ok) return void r.status(404).json({ error: "not found", message: "no such running node, or it cannot be triggered" });
          r.status(202).json({ triggered: true });
        },
      },
      { method: "get", path: "/api/nodes", summary: "Node and connection catalog with schemas and docs", responses: { 200: "NodeCatalog" }, handler: (_q, r) => void r.json(o.registry.catalog()) },
      { method: "get", path: "/api/status", summary: "Current node statuses", responses: { 200: "NodeStatusEntry[]" }, handler: (_q, r) => void r.json(o.engine.statuses()) },
      { method: "get", path: "/api/stats", summary: "Per-node message counters", responses: { 200: "NodeStats[]" }, handler: (_q, r) => void r.json(o.engine.stats()) },
      {
        method: "get",
        path: "/api/dead-letters",
        summary: "Messages refused at ingress or whose handling failed, newest first",
        query: ["flow", "limit"],
        responses: { 200: "{ total, deadLetters: DeadLetter[] }", 400: "bad limit" },
        handler: async (q, r) => {
          const flowId = typeof q.query.flow === "string" && q.query.flow !== "" ? q.query.flow : undefined;
          const limit = q.query.limit === undefined ? 100 : Number(q.query.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return void r.status(400).json({ error: "bad request", message: "limit must be a whole number from 1 to 10000" });
          const letters = o.engine.store.deadLetters;
          const [total, deadLetters] = await Promise.all([letters.count(flowId), letters.list({ flowId, limit })]);
          r.json({ total, deadLetters });
        },
      },
      {
        method: "delete",
        path: "/api/dead-letters",
        summary: "Delete dead letters (of one flow with ?flow=)",
        query: ["flow"],
        responses: { 200: "{ deleted }" },
        handler: async (q, r) => {
          const flowId = typeof q.query.flow === "string" && q.query.flow !== "" ? q.query.flow : undefined;
          r.json({ deleted: await o.engine.store.deadLetters.clear(flowId) });
        },
      },
      ...contextRoutes(() => o.engine.store),
      ...flowFileRoutes(() => o.engine),
      { method: "get", path: "/api/schema/flow.json", summary: "JSON Schema of flow files", responses: { 200: "JSON Schema" }, open: true, handler: (_q, r) => void r.json(flowFileJsonSchema()) },
      {
        method: "post",
        path: "/api/auth/login",
        summary: "Log in with a configured user; returns a bearer token",
        body: "{ username, password }",
        responses: { 200: "{ token, expiresAt }", 401: "bad credentials" },
        open: true,
        handler: (q, r) => {
          const body = q.body as { username?: unknown; password?: unknown } | undefined;
          const session = typeof body?.username === "string" && typeof body.password === "string" ? o.auth.login(body.username, body.password) : null;
          if (!session) return void r.status(401).json({ error: "unauthorized", message: "wrong username or password" });
          r.json(session);
        },
      },
      {
        method: "post",
        path: "/api/auth/logout",
        summary: "End a login session",
        responses: { 204: "logged out" },
        handler: (q, r) => {
          const token = bearer(q);
          if (token) o.auth.logout(token);
          r.status(204).end();
        },
      },
      { method: "get", path: "/api/auth", summary: "Whether this runtime requires login", responses: { 200: "{ required }" }, open: true, handler: (_q, r) => void r.json({ required: o.auth.enabled }) },
    ];
    const openPaths = new Set(routes.filter((r) => r.open).map((r) => `${r.method.toUpperCase()} ${r.path}`));

    app.use("/api", (req: Request, res: Response, next: NextFunction) => {
      const key = `${req.method} ${req.baseUrl}${req.path}`;
      if (openPaths.has(key) || req.path === "/openapi.json" || o.auth.check(bearer(req))) return next();
      res.status(401).json({ error: "unauthorized", message: "this runtime requires a token: log in or send Authorization: Bearer <token>" });
    });
    app.get("/metrics", async (req: Request, res: Response) => {
      if (!o.auth.check(bearer(req))) return void res.status(401).json({ error: "unauthorized", message: "token required" });
      res.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics());
    });
    app.get("/api/openapi.json", (_q, r) => void r.json(openApiDocument(routes, o.version ?? "0.1.0")));
    for (const route of routes) {
      app[route.method](route.path, (req: Request, res: Response, next: NextFunction) => {
        Promise.resolve(route.handler(req, res)).catch(next);
      });
    }
    app.use("/api", (req: Request, res: Response) => void res.status(404).json({ error: "not found", message: `no admin route ${req.method} ${req.baseUrl}${req.path}` }));

    const editorIndex = o.editorDir ? join(o.editorDir, "index.html") : undefined;
    if (o.editorDir && editorIndex && existsSync(editorIndex)) {
      app.use(editorAssets(o.editorDir));
      app.use(express.static(o.editorDir, { index: "index.html", maxAge: "1h" }));
      app.get(/^\/(?!api\/|metrics).*/, (_q, r) => r.sendFile(editorIndex, { cacheControl: false, headers: { "Cache-Control": "no-cache" } }));
    } else {
      app.get("/", (_q, r) =>
        r
          .type("html")
          .send(
            `<!doctype html><title>Wattflow</title><h1>Wattflow runtime</h1><p>The editor is not built. Run <code>npm run build</code> and restart.</p><p>Admin API: <a href="/api/flows">/api/flows</a>, <a href="/api/openapi.json">/api/openapi.json</a>, <a href="/metrics">/metrics</a>.</p>`,
          ),
      );
    }

    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const status = typeof (err as { status?: unknown }).status === "number" ? (err as { status: number }).status : 500;
      if (status >= 500) o.log.error({ err }, "admin API request failed");
      if (res.headersSent) return;
      res.status(status).json({ error: status === 413 ? "body too large" : status === 400 ? "bad request" : "internal error", message: err instanceof Error ? err.message : String(err) });
    });

    return app;
  };

  const server: Server = createServer((req, res) => {
    prepare().then(
      (handle) => handle(req, res),
      (err: unknown) => {
        o.log.error({ err }, "the admin API could not load");
        // The cause (with the installation's paths) goes to the log only: this answer comes before any host or auth check.
        res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "internal error", message: "the admin API could not load; see the runtime's log" }));
      },
    );
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const checked = hosts.check(req);
    if (!checked.ok) return void refuseUpgrade(socket, "403 Forbidden", { error: "forbidden", message: checked.message });
    if (path !== "/api/events") return void socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    // Browsers cannot set headers on a WebSocket: the editor offers its token as a subprotocol instead.
    if (!o.auth.check(bearer(req) ?? bearerFromProtocols(req))) {
      return void refuseUpgrade(socket, "401 Unauthorized", { error: "unauthorized", message: "send Authorization: Bearer <token>, or offer it as the subprotocol wattflow.bearer.<base64url token>" });
    }
    o.events.accept(req, socket, head);
  });

  return {
    prepare: async () => {
      await prepare();
    },
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(o.port, o.host, () => {
          server.off("error", reject);
          const bound = server.address() as AddressInfo;
          resolve({ port: bound.port, address: bound.address });
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
