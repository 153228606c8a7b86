import { describe, expect, it } from "vitest";
import { codeProblems, javascriptSyntaxError } from "./js-syntax.js";

describe("function code syntax check", () => {
  it("accepts a body using await and the runtime's parameters", () => {
    expect(javascriptSyntaxError("const v = await flow.get('x');\nreturn { ...msg, payload: v ?? env('X') };")).toBeNull();
  });

  it("names the line of a syntax error", () => {
    expect(javascriptSyntaxError("const a = 1;\nconst b = ;\nreturn msg;")).toMatch(/^syntax error near line 2: /);
  });

  it("lists the function nodes whose code does not parse, subflow nodes included, with their pointer", () => {
    const problems = codeProblems({
      format: "wattflow/flow@1",
      id: "f",
      nodes: [
        { id: "ok", type: "function", config: { code: "return msg;" } },
        { id: "bad", type: "function", config: { code: "return msg" + "}" } },
        { id: "other", type: "inject", config: { code: "(((" } },
      ],
      subflows: [{ id: "sf", nodes: [{ id: "inner", type: "function", config: { code: "if (" } }] }],
    });
    expect(problems.map((p) => [p.nodeId, p.pointer])).toEqual([
      ["bad", "/nodes/1/config/code"],
      ["sf/inner", "/subflows/0/nodes/0/config/code"],
    ]);
  });
});
