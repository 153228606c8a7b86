import { defineNode, Type, getPath } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { compileTest, OPERATORS } from "./operators.js";

const Rule = Type.Object({
  op: Type.Union(OPERATORS.map((o) => Type.Literal(o))),
  value: Type.Optional(Type.Unknown({ description: "the value compared against (a string for regex and type)" })),
  value2: Type.Optional(Type.Unknown({ description: "upper bound for between" })),
});

export default defineNode({
  type: "switch",
  category: "function",
  summary: "Routes each message to the outputs whose rule matches a property.",
  docs: readDocs(import.meta.url),
  config: Type.Object({
    property: Type.String({ default: "payload", description: "the property tested" }),
    rules: Type.Array(Rule, { minItems: 1, description: "output i carries messages matching rule i" }),
    checkAll: Type.Boolean({ default: true, description: "false: stop at the first matching rule" }),
  }),
  inputs: 1,
  outputs: ["rule 1"],
  outputsFor: (c) => c.rules.map((r, i) => `${i + 1}: ${r.op}${r.value !== undefined ? ` ${JSON.stringify(r.value)}` : ""}`),
  create(_node, c) {
    const tests = c.rules.map((r, i) => compileTest(r, i));
    const property = c.property;
    return {
      input(msg, send, done) {
        const value = getPath(msg, property);
        const out: (typeof msg | null)[] = new Array(tests.length).fill(null);
        let matched = false;
        for (let i = 0; i < tests.length; i++) {
          const test = tests[i]!;
          if (test.otherwise ? !matched : test.matches(value)) {
            out[i] = msg;
            matched = true;
            if (!c.checkAll) break;
          }
        }
        if (matched) send(out);
        done();
      },
    };
  },
});
