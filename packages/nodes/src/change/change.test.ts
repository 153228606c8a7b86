import { afterEach, describe, expect, it } from "vitest";
import { FlowRejected, startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import catchNode from "../catch/index.js";
import change from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const run = async (rules: unknown[], input: Record<string, unknown>, env: Record<string, string> = {}) => {
  t = await startTestFlow(
    { nodes: [{ id: "c", type: "change", config: { rules }, wires: [["out"]] }, { id: "out", type: "test-collect" }] },
    { nodes: [change], env },
  );
  t.inject("c", input);
  return (await t.waitFor("out", 1))[0]!;
};

describe("change", () => {
  it("sets nested paths with typed values and leaves the input untouched", async () => {
    const input = { payload: { battery: { v: 1 } }, keep: [1] };
    const out = await run(
      [
        { action: "set", path: "payload.battery.v", value: "13.8", valueType: "number" },
        { action: "set", path: "payload.units[1]", value: "A", valueType: "string" },
        { action: "set", path: "flag", value: "true", valueType: "boolean" },
        { action: "set", path: "site", value: "SITE", valueType: "env" },
      ],
      input,
      { SITE: "roof" },
    );
    expect(out.payload).toEqual({ battery: { v: 13.8 }, units: [undefined, "A"] });
    expect(out.flag).toBe(true);
    expect(out.site).toBe("roof");
    expect(out.keep).toBe(input.keep);
    expect(input.payload.battery.v).toBe(1);
  });

  it("deletes, moves and copies", async () => {
    const out = await run(
      [
        { action: "copy", path: "payload.a", to: "copied" },
        { action: "move", path: "payload.b", to: "moved.b" },
        { action: "delete", path: "topic" },
      ],
      { topic: "x", payload: { a: 1, b: 2 } },
    );
    expect(out).toMatchObject({ copied: 1, moved: { b: 2 }, payload: { a: 1 } });
    expect(out.payload).not.toHaveProperty("b");
    expect(out).not.toHaveProperty("topic");
  });

  it("sets from another property and stamps the time", async () => {
    const before = Date.now();
    const out = await run(
      [
        { action: "set", path: "copy", value: "payload.n", valueType: "path" },
        { action: "set", path: "at", valueType: "timestamp" },
      ],
      { payload: { n: 7 } },
    );
    expect(out.copy).toBe(7);
    expect(out.at as number).toBeGreaterThanOrEqual(before);
  });

  it("refuses a move without a target at deploy", async () => {
    await expect(
      startTestFlow({ nodes: [{ id: "c", type: "change", config: { rules: [{ action: "move", path: "a" }] } }] }, { nodes: [change] }).then(async (f) => {
        t = f;
        return f.events.find((e) => e.type === "status" && e.nodeId === "c");
      }),
    ).resolves.toMatchObject({ status: { fill: "red", text: expect.stringContaining('needs "to"') } });
  });

  describe("jsonata rules", () => {
    it("sets a property from an expression over the whole message, with env and context bindings, as plain data", async () => {
      t = await startTestFlow(
        {
          nodes: [
            {
              id: "c",
              type: "change",
              config: {
                rules: [
                  { action: "set", path: "payload", valueType: "jsonata", value: "{ 'hours': $number(req.query.hours ? req.query.hours : 24), 'site': $env('SITE'), 'limit': $flowContext('limit') }" },
                  { action: "set", path: "total", valueType: "jsonata", value: "$sum(readings.w)" },
                  { action: "set", path: "big", valueType: "jsonata", value: "readings[w > 10].w" },
                  { action: "set", path: "at", valueType: "jsonata", value: "$millis()" },
                  { action: "set", path: "day", valueType: "jsonata", value: "$localDate(1768518000000, 'Pacific/Auckland') & ' ' & $localDate(1768518000000)" },
                ],
              },
              wires: [["out"]],
            },
            { id: "out", type: "test-collect" },
          ],
        },
        { nodes: [change], env: { SITE: "roof" } },
      );
      await t.store.context.set("flow:test", "limit", 5);
      t.inject("c", { req: { query: { hours: "6" } }, readings: [{ w: 5 }, { w: 20 }, { w: 30 }] });
      const [out] = await t.waitFor("out", 1);
      expect(out!.payload).toEqual({ hours: 6, site: "roof", limit: 5 });
      expect(out!.total).toBe(55);
      // A plain array: JSONata's own sequence markers are not carried on.
      expect(Object.keys(out!.big as object)).toEqual(["0", "1"]);
      expect(out!.big).toEqual([20, 30]);
      expect(out!.at as number).toBeGreaterThan(Date.now() - 10_000);
      // 2026-01-15T23:00Z is already the 16th in Auckland.
      expect(out!.day).toBe("2026-01-16 2026-01-15");
    });

    it("refuses a syntax error at deploy, naming the node and the rule's field", async () => {
      const attempt = startTestFlow(
        { nodes: [{ id: "c", type: "change", config: { rules: [{ action: "set", path: "a", value: 1 }, { action: "set", path: "payload", valueType: "jsonata", value: "$sum(readings.w" }] } }] },
        { nodes: [change] },
      );
      await expect(attempt).rejects.toThrow(FlowRejected);
      await expect(attempt).rejects.toThrow(/c .*\/rules\/1\/value: rules\[1\]\.value: JSONata syntax error/);
    });

    it("reports an evaluation error to catch nodes with the message", async () => {
      t = await startTestFlow(
        {
          nodes: [
            { id: "c", type: "change", config: { rules: [{ action: "set", path: "payload", valueType: "jsonata", value: "payload.a + payload.b" }] }, wires: [["out"]] },
            { id: "out", type: "test-collect" },
            { id: "k", type: "catch", wires: [["caught"]] },
            { id: "caught", type: "test-collect" },
          ],
        },
        { nodes: [change, catchNode] },
      );
      t.inject("c", { payload: { a: 1, b: "two" } });
      const [caught] = await t.waitFor("caught", 1);
      expect((caught!.error as { message: string }).message).toMatch(/rules\[0\]\.value: JSONata evaluation failed/);
      expect(caught!.payload).toEqual({ a: 1, b: "two" });
      t.inject("c", { payload: { a: 1, b: 2 } });
      expect((await t.waitFor("out", 1))[0]!.payload).toBe(3);
    });
  });

  describe("fields rules", () => {
    it("builds an object field by field, leaving out fields that match nothing", async () => {
      const out = await run(
        [
          {
            action: "set",
            path: "payload",
            valueType: "fields",
            value: { device_id: "params.device_id", online: "payload.w > 0", mode: "payload.mode", missing: "payload.nothing", total: "$sum(payload.parts)" },
          },
        ],
        { params: { device_id: "hp-1" }, payload: { w: 0, mode: "heating", parts: [1, 2] } },
      );
      expect(out.payload).toEqual({ device_id: "hp-1", online: false, mode: "heating", total: 3 });
    });

    it("refuses a bad field at deploy, naming the rule and the field", async () => {
      const attempt = startTestFlow(
        { nodes: [{ id: "c", type: "change", config: { rules: [{ action: "set", path: "payload", valueType: "fields", value: { ok: "a", bad: "$sum(" } }] } }] },
        { nodes: [change] },
      );
      await expect(attempt).rejects.toThrow(/rules\[0\]\.value\.bad: JSONata syntax error/);
      const empty = startTestFlow(
        { nodes: [{ id: "c", type: "change", config: { rules: [{ action: "set", path: "payload", valueType: "fields", value: "a" }] } }] },
        { nodes: [change] },
      );
      await expect(empty).rejects.toThrow(/rules\[0\]\.value: fields needs an object/);
    });
  });
});
