import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

export default defineNode({
  type: "link-out",
  category: "common",
  summary: "Sends each message to link-in nodes, by id (`flow/node` for another flow).",
  docs: readDocs(import.meta.url),
  config: Type.Object({
    links: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "link-in node ids; flow/node for another flow" }),
  }),
  inputs: 1,
  outputs: [],
  virtualWires: (c) => c.links,
  create() {
    return {
      input(msg, send, done) {
        send(msg);
        done();
      },
    };
  },
});
