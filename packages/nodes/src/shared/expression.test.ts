import { describe, expect, it } from "vitest";
import type { Message, NodeContext } from "@wattflow/runtime";
import { compileExpression, expressionProblem, isTruthy, toPlain } from "./expression.js";

const context = (values: Record<string, unknown>): NodeContext => ({
  get: <T>(key: string) => values[key] as T,
  set: () => undefined,
  delete: () => undefined,
  keys: () => Object.keys(values),
});
const scope = { env: (name: string) => (name === "SITE" ? "roof" : undefined), flowContext: context({ limit: 5 }), globalContext: context({}) };
const msg = (init: Record<string, unknown>) => ({ _msgid: "m", ...init }) as unknown as Message;

describe("JSONata expressions", () => {
  it("stops an evaluation that runs past its time limit, naming the field", async () => {
    const slow = compileExpression("$reduce([1..2000000], function($a, $b) { $a + $b })", "rules[0].value", scope, 50);
    // D1012 is the error of JSONata's own time guard: the evaluation was stopped, not merely slow to fail.
    await expect(slow.evaluate(msg({}))).rejects.toThrow(/^rules\[0\]\.value: JSONata evaluation failed: .*\[D1012\]/);
  });

  it("returns plain data, sharing what it did not build", async () => {
    const kept = Object.freeze({ a: 1 });
    expect(toPlain(kept)).toBe(kept);
    const result = await compileExpression("{ 'kept': payload.kept, 'list': payload.n[$ > 1], 'site': $env('SITE'), 'limit': $flowContext('limit') }", "f", scope).evaluate(
      msg({ payload: { kept, n: [1, 2, 3] } }),
    );
    expect(result).toEqual({ kept: { a: 1 }, list: [2, 3], site: "roof", limit: 5 });
    expect((result as { kept: unknown }).kept).toBe(kept);
    expect(Object.keys((result as { list: unknown[] }).list)).toEqual(["0", "1"]);
  });

  it("gives each node compiled after a check its own bindings", async () => {
    const text = "$env('SITE') & '/' & payload";
    expect(expressionProblem(text, "rules[0].value")).toBeUndefined();
    const roof = compileExpression(text, "rules[0].value", scope);
    const shed = compileExpression(text, "rules[0].value", { ...scope, env: (name: string) => (name === "SITE" ? "shed" : undefined) });
    expect(await roof.evaluate(msg({ payload: "a" }))).toBe("roof/a");
    expect(await shed.evaluate(msg({ payload: "b" }))).toBe("shed/b");
    expect(expressionProblem("payload +", "rules[1].value")).toMatch(/^rules\[1\]\.value: JSONata syntax error: /);
  });

  it("is true the way JSONata's $boolean is", () => {
    expect([0, "", null, undefined, [], {}, [0, ""], false].map(isTruthy)).toEqual(Array(8).fill(false));
    expect([1, "a", [0, 1], { a: 0 }, true].map(isTruthy)).toEqual(Array(5).fill(true));
  });
});
