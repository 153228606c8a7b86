import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

export default defineNode({
  type: "catch",
  category: "common",
  summary: "Receives errors reported by nodes of this flow, with msg.error naming the source.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    scope: Type.Array(Type.String(), { default: [], description: "node ids to hear; empty: every node of the flow" }),
  }),
  inputs: 0,
  outputs: ["error"],
  listens: "errors",
  create() {
    return {
      input(msg, send, done) {
        send(msg);
        done();
      },
    };
  },
});
