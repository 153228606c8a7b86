/**
 * Expressions known to parse, kept between starts: a later deploy does not parse them to check them and a
 * node parses them when they first run; an expression that failed to parse is never kept, so its deploy
 * still fails naming the field.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Message, NodeContext } from "@wattflow/runtime";
import { KnownExpressions } from "./known-expressions.js";

const context: NodeContext = { get: () => undefined, set: () => undefined, delete: () => undefined, keys: () => [] };
const scope = { env: (name: string) => (name === "SITE" ? "roof" : undefined), flowContext: context, globalContext: context };
const msg = (payload: unknown) => ({ _msgid: "m", payload }) as unknown as Message;

describe("expressions known to parse", () => {
  let dir: string;
  const saved = process.env.WATTFLOW_CACHE_DIR;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-expressions-"));
    process.env.WATTFLOW_CACHE_DIR = dir;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.WATTFLOW_CACHE_DIR;
    else process.env.WATTFLOW_CACHE_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  });

  /** expression.js as a new start sees it. */
  async function freshStart() {
    vi.resetModules();
    return import("./expression.js");
  }
  const good = "$env('SITE') & '/' & payload";
  const bad = "payload +";

  it("keeps only what parsed; a later start evaluates it the same and still refuses a syntax error at deploy", async () => {
    const first = await freshStart();
    expect(first.expressionProblem(good, "rules[0].value")).toBeUndefined();
    expect(first.expressionProblem(bad, "rules[1].value")).toMatch(/^rules\[1\]\.value: JSONata syntax error: /);
    await first.keepKnownExpressions();
    const [file] = await readdir(join(dir, "expressions"));
    expect(JSON.parse(await readFile(join(dir, "expressions", file!), "utf8"))).toHaveLength(1);

    const second = await freshStart();
    expect(second.expressionProblem(good, "rules[0].value")).toBeUndefined();
    expect(await second.compileExpression(good, "rules[0].value", scope).evaluate(msg("a"))).toBe("roof/a");
    expect(second.expressionProblem(bad, "rules[1].value")).toMatch(/^rules\[1\]\.value: JSONata syntax error: /);
    expect(() => second.compileExpression(bad, "rules[1].value", scope)).toThrow(/^rules\[1\]\.value: JSONata syntax error: /);
    await second.keepKnownExpressions();
  });

  it("a known expression is not parsed at deploy but when it first runs", async () => {
    // Only the list says it parses (as a list from another JSONata would): the check and the compile trust it,
    // and the parse at the first evaluation is what finds out.
    const [file] = await readdir(join(dir, "expressions"));
    const list = new KnownExpressions(join(dir, "expressions", file!));
    list.add(bad);
    await list.flush();

    const start = await freshStart();
    expect(start.expressionProblem(bad, "rules[1].value")).toBeUndefined();
    const compiled = start.compileExpression(bad, "rules[1].value", scope);
    await expect(compiled.evaluate(msg(1))).rejects.toThrow(/^rules\[1\]\.value: JSONata evaluation failed: /);
  });

  it("keeps nothing when the cache is off", async () => {
    const list = new KnownExpressions(null);
    list.add(good);
    expect(list.has(good)).toBe(false);
    await list.flush();
  });
});
