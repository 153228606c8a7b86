import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { awaitReply, reply } from "./pending-replies.js";

export default defineNode({
  type: "http-in",
  category: "network",
  summary: "Serves an HTTP route on the flow server; the request flows on as a message until an http-response answers it.",
  docs: readDocs(import.meta.url),
  config: Type.Object({
    method: Type.Union(["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => Type.Literal(m)), { default: "GET" }),
    path: Type.String({ pattern: "^/", description: "exact path; :name captures a segment into msg.req.params; a trailing slash is significant" }),
    timeout: Type.Integer({ minimum: 100, default: 30_000, description: "ms to wait for an http-response before answering 504" }),
    summary: Type.Optional(Type.String({ description: "one line for the generated API docs" })),
  }),
  inputs: 0,
  outputs: ["request"],
  create(node, c) {
    return {
      start() {
        node.http.route(c.method, c.path, async (req) => {
          if (node.isBlocked()) return { status: 503, body: { error: "busy", message: "the flow is overloaded; retry shortly" } };
          const { id, reply: answer } = awaitReply(c.timeout);
          node.send(
            node.newMessage({
              payload: req.body,
              topic: req.path,
              req: { method: req.method, path: req.path, params: req.params, query: req.query, headers: req.headers },
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
        });
      },
    };
  },
});
