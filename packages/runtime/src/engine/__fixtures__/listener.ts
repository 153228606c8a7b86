import { Type } from "@sinclair/typebox";
import { defineNode } from "../../registry/define.js";

/** A test node that forwards what it hears as a listener: errors (like `catch`), or `listens` given. */
export function listenerNode(type: string, listens: "errors" | "status" | "complete") {
  return defineNode({
    type,
    category: "test",
    summary: `forwards what a ${listens} listener hears`,
    config: Type.Object({ scope: Type.Array(Type.String(), { default: [] }) }),
    inputs: 1,
    outputs: ["out"],
    listens,
    create() {
      return { input: (msg, send, done) => (send(msg), done()) };
    },
  });
}
