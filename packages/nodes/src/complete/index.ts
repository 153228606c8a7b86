import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

export default defineNode({
  type: "complete",
  category: "common",
  summary: "Sends the message another node of this flow finished handling (it called done without an error).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    scope: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "ids of the nodes to hear (of this flow)" }),
  }),
  inputs: 0,
  outputs: ["completed"],
  listens: "complete",
  create() {
    return {
      input(msg, send, done) {
        send(msg);
        done();
      },
    };
  },
});
