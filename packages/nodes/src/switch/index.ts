import { defineNode, Type, getPath, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { compileExpression, expressionProblem, isTruthy } from "../shared/expression.js";
import { compileTest, OPERATORS } from "./operators.js";

const Rule = Type.Object({
  op: Type.Union(OPERATORS.map((o) => Type.Literal(o))),
  value: Type.Optional(Type.Unknown({ description: "the value compared against (a string for regex and type; the expression for jsonata)" })),
  value2: Type.Optional(Type.Unknown({ description: "upper bound for between" })),
});

/** One rule's verdict on a message: the property's value for the operators, the whole message for jsonata. */
type Verdict = (msg: Message, value: unknown) => boolean | Promise<boolean>;

export default defineNode({
  type: "switch",
  category: "function",
  summary: "Routes each message to the outputs whose rule matches a property.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    property: Type.String({ default: "payload", description: "the property tested" }),
    rules: Type.Array(Rule, { minItems: 1, description: "output i carries messages matching rule i" }),
    checkAll: Type.Boolean({ default: true, description: "false: stop at the first matching rule" }),
  }),
  inputs: 1,
  outputs: ["rule 1"],
  outputsFor: (c) => c.rules.map((r, i) => `${i + 1}: ${r.op}${r.value !== undefined ? ` ${JSON.stringify(r.value)}` : ""}`),
  checkConfig: (c) =>
    c.rules.flatMap((r, i) => {
      if (r.op !== "jsonata") return [];
      const problem = expressionProblem(r.value, `rules[${i}].value`);
      return problem ? [{ pointer: `/rules/${i}/value`, message: problem }] : [];
    }),
  create(node, c) {
    const tests = c.rules.map((r, i) => compileTest(r, i));
    const property = c.property;
    if (c.rules.some((r) => r.op === "jsonata")) {
      const verdicts = c.rules.map((r, i): Verdict | null => {
        if (r.op === "else") return null;
        if (r.op !== "jsonata") return (_msg, value) => tests[i]!.matches(value);
        const expression = compileExpression(String(r.value), `rules[${i}].value`, node);
        return async (msg) => isTruthy(await expression.evaluate(msg));
      });
      return {
        async input(msg, send, done) {
          const value = getPath(msg, property);
          const out: (Message | null)[] = new Array(verdicts.length).fill(null);
          let matched = false;
          try {
            for (let i = 0; i < verdicts.length; i++) {
              const verdict = verdicts[i];
              if (verdict === null ? !matched : await verdict!(msg, value)) {
                out[i] = msg;
                matched = true;
                if (!c.checkAll) break;
              }
            }
          } catch (err) {
            done(err);
            return;
          }
          if (matched) send(out);
          done();
        },
      };
    }
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
