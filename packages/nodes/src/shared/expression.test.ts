import { createRequire } from "node:module";
import type jsonataLibrary from "jsonata";
import { describe, expect, it } from "vitest";
import type { Message, NodeContext } from "@wattflow/runtime";
import { compileExpression, detachFromParser, expressionProblem, isTruthy, toPlain } from "./expression.js";

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
    // The guard's own words: the evaluation was stopped, not merely slow to fail.
    await expect(slow.evaluate(msg({}))).rejects.toThrow(/^rules\[0\]\.value: JSONata evaluation failed: stopped after 50 ms \(the time limit of an expression\)/);
    // A loop that never ends is stopped too, and the next evaluation starts with its own budget.
    const endless = compileExpression("($f := function($x) { $f($x + 1) }; $f(1))", "rules[1].value", scope, 200);
    await expect(endless.evaluate(msg({}))).rejects.toThrow(/^rules\[1\]\.value: JSONata evaluation failed: stopped after 200 ms/);
    // Not a tail call, so each call nests deeper: stopped by the steps it holds long before the time limit.
    const deep = compileExpression("($f := function($x) { 1 + $f($x + 1) }; $f(1))", "rules[1].value", scope, 60_000);
    await expect(deep.evaluate(msg({}))).rejects.toThrow(/^rules\[1\]\.value: JSONata evaluation failed: stopped with 60000 steps under way at once/);
    await expect(slow.evaluate(msg({}))).rejects.toThrow(/stopped after 50 ms/);
    const quick = compileExpression("$sum([1..1000])", "rules[2].value", scope, 50);
    expect(await quick.evaluate(msg({}))).toBe(500500);
  });

  it("times and counts every step, also after an array or object constructor", async () => {
    // Constructors evaluate their items side by side; a loop after one is still stopped at its time limit.
    for (const before of ["[1, 2]", '{"a": 1, "b": 2}']) {
      const endless = compileExpression(`($x := ${before}; $f := function($n) { $n >= 0 ? $f($n + 1) : $n }; $f(0))`, "f", scope, 200);
      await expect(endless.evaluate(msg({}))).rejects.toThrow(/stopped after 200 ms/);
    }
    // Long arrays of constructed items, and grouping by a few thousand keys, are not runaway evaluations.
    const readings = Array.from({ length: 3000 }, (_, i) => ({ id: `d${i}`, t: i, v: i * 2 }));
    const objects = (await compileExpression('payload.{ "t": t, "v": v }', "f", scope).evaluate(msg({ payload: readings }))) as unknown[];
    expect(objects).toHaveLength(3000);
    expect(objects[2999]).toEqual({ t: 2999, v: 5998 });
    const pairs = (await compileExpression("$map(payload, function($r) { [$r.t, $r.v] })", "f", scope).evaluate(msg({ payload: readings }))) as unknown[];
    expect(pairs[1500]).toEqual([1500, 3000]);
    const byId = (await compileExpression("payload{ id: $sum(v) }", "f", scope).evaluate(msg({ payload: readings }))) as Record<string, number>;
    expect(Object.keys(byId)).toHaveLength(3000);
    expect(byId.d1234).toBe(2468);
    // A day of 30-second readings grouped by time, four statistics each.
    const day = { payload: Array.from({ length: 2880 }, (_, i) => ({ t: i * 30_000, v: i % 97 })) };
    const stats = compileExpression('payload{ $string(t): { "avg": $average(v), "max": $max(v), "min": $min(v), "n": $count(v) } }', "f", scope);
    expect(Object.keys((await stats.evaluate(msg(day))) as object)).toHaveLength(2880);
    // A recursion 3,000 calls deep that ends is an answer, not a runaway.
    expect(await compileExpression("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(3000))", "f", scope).evaluate(msg({}))).toBe(3000);
  });

  it("$distinct answers as JSONata's does, in linear time", async () => {
    const reference = createRequire(import.meta.url)("jsonata") as typeof jsonataLibrary;
    const input = {
      payload: [
        { id: "a", v: 1, tags: { x: 1, y: 2 } },
        { id: "b", v: "1", tags: { y: 2, x: 1 } },
        { id: "a", v: 1, tags: [1, 2] },
        { id: "c", v: true, tags: [2, 1] },
        { id: "c", v: null, tags: null },
      ],
      one: [{ id: "solo" }, { id: "solo" }],
    };
    for (const text of ["$distinct(payload.id)", "$distinct(payload.v)", "$distinct(payload.tags)", "$distinct(payload)", "$distinct(one.id)", "$distinct([1, 1, '1', 2])", "$distinct([])", "$distinct(nothing)", "$distinct(5)"]) {
      const ours = await compileExpression(text, "f", scope).evaluate(msg(input));
      expect(ours, text).toEqual(toPlain(await reference(text).evaluate(msg(input))));
    }
    // Values no JSON message holds but a device reading or a function can give: NaN equals nothing, Infinity itself,
    // an object holding the same function or an undefined field is equal to its like.
    const f = (): number => 1;
    const odd = { payload: [{ v: NaN }, { v: NaN }, { v: Infinity }, { v: Infinity }, { v: -Infinity }, { f }, { f }, { u: undefined }, { u: undefined }], nan: [NaN, NaN, 1, 1] };
    for (const text of ["$count($distinct(payload))", "$count($distinct(nan))", "$count($distinct(payload.v))"]) {
      const ours = await compileExpression(text, "f", scope).evaluate(msg(odd));
      expect(ours, text).toBe(await reference(text).evaluate(msg(odd)));
    }
    // Called with the wrong arguments, it fails as JSONata's own does.
    for (const text of ["$distinct()", "$distinct(payload.id, 1)"]) {
      await expect(reference(text).evaluate(msg(input)), text).rejects.toMatchObject({ code: "T0410" });
      await expect(compileExpression(text, "f", scope).evaluate(msg(input)), text).rejects.toThrow(/does not match function signature/);
    }
    // One id out of every two of 40,000: JSONata's own took seconds in one step no time limit can stop.
    const ids = { payload: Array.from({ length: 40_000 }, (_, i) => ({ id: `d${i % 20_000}` })) };
    const counted = compileExpression("$count($distinct(payload.id))", "f", scope, 1000);
    expect(await counted.evaluate(msg(ids))).toBe(20_000);
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

  it("$localDate gives the day in UTC as Intl does, and in other zones", async () => {
    const intl = new Intl.DateTimeFormat("en-CA", { timeZone: "UTC", year: "numeric", month: "2-digit", day: "2-digit" });
    const instants = [Date.UTC(1000, 0, 1), Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2026, 0, 15, 0, 0, 0), Date.UTC(9999, 11, 31, 23, 59, 59, 999), 0];
    const utc = compileExpression("[$localDate(payload), $localDate(payload, 'UTC'), $localDate(payload, 'Etc/UTC')]", "f", scope);
    for (const at of instants) expect(await utc.evaluate(msg({ payload: at }))).toEqual(Array(3).fill(intl.format(new Date(at))));
    const berlin = compileExpression("$localDate(payload, 'Europe/Berlin')", "f", scope);
    expect(await berlin.evaluate(msg({ payload: Date.UTC(2026, 0, 14, 23, 30) }))).toBe("2026-01-15");
  });

  it("is true the way JSONata's $boolean is", () => {
    expect([0, "", null, undefined, [], {}, [0, ""], false].map(isTruthy)).toEqual(Array(8).fill(false));
    expect([1, "a", [0, 1], { a: 0 }, true].map(isTruthy)).toEqual(Array(5).fill(true));
  });

  it("evaluates as JSONata does after dropping the parser from its syntax tree", async () => {
    // JSONata itself, untouched, is the reference: each expression must give what it gives.
    const reference = createRequire(import.meta.url)("jsonata") as typeof jsonataLibrary;
    const input = {
      payload: { readings: [{ id: "a", w: 120, at: "2026-01-02T10:00:00Z" }, { id: "b", w: 80, at: "2026-01-02T11:00:00Z" }, { id: "a", w: 40, at: "2026-01-02T12:00:00Z" }], name: "Roof-East" },
      topic: "site/roof",
    };
    const corpus = [
      "payload.readings[w > 50].id",
      "$sum(payload.readings.w) / $count(payload.readings)",
      "payload.readings{id: $sum(w)}",
      "payload.readings^(>w).{ 'id': id, 'kw': w / 1000 }",
      "$map(payload.readings, function($r, $i) { $r.w * $i })",
      "payload.readings#$i[$i > 0].id",
      "payload.readings.(id & '@' & %.name)",
      "$match(payload.name, /([A-Z])[a-z]+/).groups",
      "$replace(topic, /\\/(\\w+)$/, '/$1-x')",
      "payload ~> |readings|{'w': w * 2}|",
      "(  $f := function($x) { $x > 100 ? 'high' : 'low' }; payload.readings.$f(w) )",
      "payload.readings[0].w in [120, 40] and $exists(topic)",
      "$string($toMillis(payload.readings[1].at) - $toMillis(payload.readings[0].at))",
      "payload.readings ? 'some' : 'none'",
      "$reduce(payload.readings, function($acc, $r) { $acc + $r.w }, 0)",
      "$sort(payload.readings, function($l, $r) { $l.w > $r.w }).id",
      "[1..5][$ % 2 = 1]",
    ];
    for (const text of corpus) {
      const compiled = compileExpression(text, "f", scope);
      expect(toPlain(await compiled.evaluate(msg(input))), text).toEqual(toPlain(await reference(text).evaluate(msg(input))));
    }
    // And the tree really is plain data now: no node still inherits from the parser.
    const tree = reference("payload.readings[w > 50].(id & %.name)");
    detachFromParser(tree.ast());
    const prototypes = new Set<unknown>();
    const visit = (value: unknown): void => {
      if (value === null || typeof value !== "object") return;
      prototypes.add(Object.getPrototypeOf(value));
      Object.values(value).forEach(visit);
    };
    visit(tree.ast());
    expect([...prototypes].every((p) => p === Object.prototype || p === Array.prototype)).toBe(true);
  });
});

