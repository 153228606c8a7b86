import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { returnToCaller } from "./calls.js";

export default defineNode({
  type: "link-out",
  category: "common",
  summary: "Sends each message to link-in nodes, by id (`flow/node` for another flow), or back to the link-call that sent it.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    mode: Type.Union([Type.Literal("link"), Type.Literal("return")], { default: "link", description: "link: to the link-in nodes in links; return: back to the calling link-call" }),
    links: Type.Array(Type.String({ minLength: 1 }), { default: [], description: "link-in node ids; flow/node for another flow" }),
  }),
  checkConfig: (c) => (c.mode === "link" && c.links.length === 0 ? [{ pointer: "/links", message: "name at least one link-in (or set mode to return)" }] : []),
  inputs: 1,
  outputs: [],
  virtualWires: (c) => (c.mode === "link" ? c.links : []),
  create(_node, c) {
    if (c.mode === "return") {
      return {
        input(msg, _send, done) {
          const returned = returnToCaller(msg);
          done(returned.ok ? undefined : new Error(returned.reason));
        },
      };
    }
    return {
      input(msg, send, done) {
        send(msg);
        done();
      },
    };
  },
});
