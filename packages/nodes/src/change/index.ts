import { defineNode, Type, parsePath, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { ValueType } from "../shared/value.js";
import { compileRule } from "./rules.js";

const Rule = Type.Object({
  action: Type.Union([Type.Literal("set"), Type.Literal("delete"), Type.Literal("move"), Type.Literal("copy")]),
  path: Type.String({ minLength: 1, description: "message property, e.g. payload.voltage" }),
  to: Type.Optional(Type.String({ minLength: 1, description: "target property for move and copy" })),
  value: Type.Optional(Type.Unknown({ description: "the value for set" })),
  valueType: Type.Optional(ValueType),
});

export default defineNode({
  type: "change",
  category: "function",
  summary: "Sets, deletes, moves or copies message properties, in order.",
  docs: readDocs(import.meta.url),
  config: Type.Object({ rules: Type.Array(Rule, { minItems: 1, description: "applied in order" }) }),
  inputs: 1,
  outputs: ["changed"],
  create(node, c) {
    // Paths are parsed and constant values converted once, not per message.
    const rules = c.rules.map((r, i) => {
      for (const p of [r.path, r.to]) if (p !== undefined) parsePath(p);
      if ((r.action === "move" || r.action === "copy") && !r.to) throw new Error(`rule ${i + 1}: ${r.action} needs "to"`);
      return compileRule(r, node.env);
    });
    if (rules.length === 1) {
      const only = rules[0]!;
      return {
        input(msg, send, done) {
          send(only(msg));
          done();
        },
      };
    }
    return {
      input(msg, send, done) {
        let out: Message = msg;
        for (let i = 0; i < rules.length; i++) out = rules[i]!(out);
        send(out);
        done();
      },
    };
  },
});
