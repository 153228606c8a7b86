import { defineNode, Type, parsePath, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { expressionProblem } from "../shared/expression.js";
import { ValueType } from "../shared/value.js";
import { compileExpressionRule, compileFieldsRule, compileRule, type AsyncRule, type CompiledRule } from "./rules.js";

const RuleValueType = Type.Union([...ValueType.anyOf, Type.Literal("jsonata"), Type.Literal("fields")], {
  default: "json",
  description: `${ValueType.description}; jsonata: a JSONata expression over the whole message; fields: an object whose every field is such an expression`,
});

const Rule = Type.Object({
  action: Type.Union([Type.Literal("set"), Type.Literal("delete"), Type.Literal("move"), Type.Literal("copy")]),
  path: Type.String({ minLength: 1, description: "message property, e.g. payload.voltage" }),
  to: Type.Optional(Type.String({ minLength: 1, description: "target property for move and copy" })),
  value: Type.Optional(Type.Unknown({ description: "the value for set (for jsonata, the expression; for fields, an object of field name to expression)" })),
  valueType: Type.Optional(RuleValueType),
});

const field = (i: number): string => `rules[${i}].value`;
/** Whether a rule's path is `_msgid` or inside it. */
const touchesId = (path: string): boolean => parsePath(path)[0] === "_msgid";

export default defineNode({
  type: "change",
  category: "function",
  summary: "Sets, deletes, moves or copies message properties, in order.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({ rules: Type.Array(Rule, { minItems: 1, description: "applied in order" }) }),
  inputs: 1,
  outputs: ["changed"],
  checkConfig(c) {
    const problems: { pointer: string; message: string }[] = [];
    c.rules.forEach((r, i) => {
      if (r.valueType !== "jsonata" && r.valueType !== "fields") return;
      if (r.action !== "set") problems.push({ pointer: `/rules/${i}/valueType`, message: `rules[${i}]: ${r.valueType} is a value for "set", not "${r.action}"` });
      if (r.valueType === "jsonata") {
        const problem = expressionProblem(r.value, field(i));
        if (problem) problems.push({ pointer: `/rules/${i}/value`, message: problem });
        return;
      }
      const fields = r.value;
      if (fields === null || typeof fields !== "object" || Array.isArray(fields) || Object.keys(fields).length === 0) {
        problems.push({ pointer: `/rules/${i}/value`, message: `${field(i)}: fields needs an object of field name to JSONata expression` });
        return;
      }
      for (const [name, text] of Object.entries(fields)) {
        const problem = expressionProblem(text, `${field(i)}.${name}`);
        if (problem) problems.push({ pointer: `/rules/${i}/value/${name}`, message: problem });
      }
    });
    return problems;
  },
  create(node, c) {
    // Paths are parsed, constant values converted and expressions compiled once, not per message.
    const compiled = c.rules.map((r, i): { sync: CompiledRule } | { async: AsyncRule } => {
      for (const p of [r.path, r.to]) if (p !== undefined) parsePath(p);
      if ((r.action === "move" || r.action === "copy") && !r.to) throw new Error(`rule ${i + 1}: ${r.action} needs "to"`);
      if (r.valueType === "jsonata") return { async: compileExpressionRule(r, field(i), node) };
      if (r.valueType === "fields") return { async: compileFieldsRule(r, field(i), node) };
      return { sync: compileRule(r, node.env) };
    });
    if (compiled.some((r) => "async" in r)) {
      const steps = compiled.map((r) => ("async" in r ? r.async : async (msg: Message) => r.sync(msg)));
      return {
        async input(msg, send, done) {
          let out: Message = msg;
          try {
            for (const step of steps) out = await step(out);
          } catch (err) {
            done(err);
            return;
          }
          send(out);
          done();
        },
      };
    }
    // Synchronous rules: the node is a function of the message (`transform`), the engine's cheapest path.
    const rules = compiled.map((r) => (r as { sync: CompiledRule }).sync);
    // Each rule copies the message with its _msgid, unless it sets, deletes, moves or copies that property.
    const transformKeepsId = c.rules.every((r) => !touchesId(r.path) && (r.to === undefined || !touchesId(r.to)));
    if (rules.length === 1) return { transform: rules[0]!, transformKeepsId };
    return {
      transformKeepsId,
      transform(msg) {
        let out: Message = msg;
        for (let i = 0; i < rules.length; i++) out = rules[i]!(out);
        return out;
      },
    };
  },
});
