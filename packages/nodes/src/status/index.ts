import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

export default defineNode({
  type: "status",
  category: "common",
  summary: "Receives status changes of nodes of this flow as msg.status.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    scope: Type.Array(Type.String(), { default: [], description: "node ids to hear; empty: every node of the flow" }),
  }),
  inputs: 0,
  outputs: ["status"],
  listens: "status",
  create() {
    return {
      input(msg, send, done) {
        send(msg);
        done();
      },
    };
  },
});
