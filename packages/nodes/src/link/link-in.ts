import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

export default defineNode({
  type: "link-in",
  category: "common",
  summary: "Receives what link-out nodes send to it, in this flow or another (a wire you don't draw).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({}),
  inputs: 1,
  outputs: ["out"],
  create() {
    return {
      input(msg, send, done) {
        send(msg);
        done();
      },
    };
  },
});
