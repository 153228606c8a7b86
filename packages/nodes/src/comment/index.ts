import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

export default defineNode({
  type: "comment",
  category: "common",
  summary: "A note on the canvas: it has no wires and does nothing at run time.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({ text: Type.String({ default: "", description: "the note (Markdown)" }) }),
  inputs: 0,
  outputs: [],
  create() {
    return {};
  },
});
