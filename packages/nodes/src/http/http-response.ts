import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { reply } from "./pending-replies.js";

export default defineNode({
  type: "http-response",
  category: "network",
  summary: "Answers the request that started the message: msg.payload as the body, msg.statusCode and msg.headers if set.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    status: Type.Integer({ minimum: 100, maximum: 599, default: 200, description: "status when msg.statusCode is not set" }),
    headers: Type.Record(Type.String(), Type.String(), { default: {}, description: "extra response headers" }),
  }),
  inputs: 1,
  outputs: [],
  create(node, c) {
    return {
      input(msg, _send, done) {
        const id = msg._reqid;
        if (typeof id !== "string") {
          done(new Error("http-response got a message that did not come from an http-in (no msg._reqid)"));
          return;
        }
        const status = typeof msg.statusCode === "number" ? msg.statusCode : c.status;
        const headers = { ...c.headers, ...((msg.headers as Record<string, string> | undefined) ?? {}) };
        if (!reply(id, { status, headers, body: msg.payload })) node.log.warn({ id }, "the request was already answered or timed out");
        done();
      },
    };
  },
});
