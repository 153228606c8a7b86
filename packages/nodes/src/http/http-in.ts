import { Connection, defineNode, Type, type HttpRequest, type HttpReply, type RouteMeta } from "@wattflow/runtime";
import type { ApiAuth, RequestUser } from "../api-auth/connection.js";
import { authenticate } from "../api-auth/http.js";
import { readDocs } from "../shared/docs.js";
import { awaitReply, reply } from "./pending-replies.js";

/** The headers without the bearer token: messages reach debug panels and logs, the verified claims are in `req.user`. */
function withoutToken(headers: HttpRequest["headers"]): HttpRequest["headers"] {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== "authorization"));
}

export default defineNode({
  type: "http-in",
  category: "network",
  summary: "Serves an HTTP route on the flow server; the request flows on as a message until an http-response answers it.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    method: Type.Union(["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => Type.Literal(m)), { default: "GET" }),
    path: Type.String({ pattern: "^/", description: "exact path; :name captures a segment into msg.req.params; a trailing slash is significant" }),
    timeout: Type.Integer({ minimum: 100, default: 30_000, description: "ms to wait for an http-response before answering 504" }),
    summary: Type.Optional(Type.String({ description: "one line for the generated API docs" })),
    auth: Type.Optional(Connection("api-auth", { description: "requires a bearer access token from this api-auth connection; the claims go to msg.req.user" })),
    query: Type.Optional(
      Type.Array(
        Type.Object({ name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()), required: Type.Optional(Type.Boolean()) }),
        { description: "query parameters the flow reads, for the generated API docs (not enforced)" },
      ),
    ),
    tags: Type.Optional(Type.Array(Type.String(), { description: "groups in the generated API docs; default: the flow id" })),
    cors: Type.Optional(
      Type.Array(Type.String({ pattern: "^https?://[^/\\s]+$", description: "an origin: scheme, host and port, no path" }), {
        description: 'origins whose browser pages may call this route, matched exactly, e.g. ["https://dash.example"]; none by default',
      }),
    ),
  }),
  inputs: 0,
  outputs: ["request"],
  create(node, c) {
    // Resolved here, not in start: a connection that failed (a short signingKey) fails this node too,
    // so a protected route is never served open.
    const guard = c.auth ? node.connection<ApiAuth>(c.auth) : undefined;
    const meta: RouteMeta = {
      ...(c.summary ? { summary: c.summary } : {}),
      auth: guard !== undefined,
      ...(c.query ? { query: c.query } : {}),
      tags: c.tags ?? [node.flowId],
      ...(c.cors && c.cors.length > 0 ? { cors: c.cors } : {}),
    };

    const serve = async (req: HttpRequest, user: RequestUser | undefined): Promise<HttpReply> => {
      if (node.isBlocked()) return { status: 503, body: { error: "busy", message: "the flow is overloaded; retry shortly" } };
      const { id, reply: answer } = awaitReply(c.timeout);
      node.send(
        node.newMessage({
          payload: req.body,
          topic: req.path,
          req: { method: req.method, path: req.path, params: req.params, query: req.query, headers: user ? withoutToken(req.headers) : req.headers, ...(user ? { user } : {}) },
          _reqid: id,
        }),
        {
          // A request whose message failed before any http-response answered gets a JSON 500, not a hang.
          onComplete: (result) => {
            if (result.outcome === "nack") reply(id, { status: 500, body: { error: "internal error", message: result.error.message } });
          },
        },
      );
      return answer;
    };

    return {
      start() {
        node.http.route(
          c.method,
          c.path,
          async (req) => {
            if (!guard) return serve(req, undefined);
            const checked = await authenticate(guard, req.headers);
            return "reply" in checked ? checked.reply : serve(req, checked.user);
          },
          meta,
        );
      },
    };
  },
});
