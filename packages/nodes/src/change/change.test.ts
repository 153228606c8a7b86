import { afterEach, describe, expect, it } from "vitest";
import { defineNode, Type, type Message } from "@wattflow/runtime";
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

  describe("copies through the engine, messages not frozen (production)", () => {
    /** Breaks the contract on purpose: adds `late` to a message with an odd payload and sends that same object on. */
    const mutate = defineNode({
      type: "test-mutate",
      category: "test",
      summary: "mutates its input in place",
      config: Type.Object({}),
      inputs: 1,
      outputs: ["out"],
      create() {
        return {
          transform(msg: Message) {
            if ((msg.payload as number) % 2 === 1) (msg as Record<string, unknown>).late = true;
            return msg;
          },
        };
      },
    });
    const set = (id: string, path: string, wires: string[][]) => ({
      id,
      type: "change",
      config: { rules: [{ action: "set", path, value: 1, valueType: "number" }] },
      wires,
    });

    it("a chain of rules copies every property, also one a node in between added to a message a rule built", async () => {
      t = await startTestFlow(
        {
          nodes: [
            set("c1", "a", [["c2"]]),
            set("c2", "b", [["m"]]),
            { id: "m", type: "test-mutate", wires: [["c3"]] },
            set("c3", "c", [["c4"]]),
            set("c4", "d", [["out"]]),
            { id: "out", type: "test-collect" },
          ],
        },
        { nodes: [change, mutate], freeze: false },
      );
      // Even payloads pass unchanged (the rules after learn their shape), odd ones gain `late` on the way.
      for (let i = 0; i < 4; i++) t.inject("c1", { payload: i, topic: "t" });
      const outs = await t.waitFor("out", 4);
      outs.forEach((out, i) => {
        const late = i % 2 === 1 ? ["late"] : [];
        expect(Object.keys(out)).toEqual(["payload", "topic", "_msgid", "a", "b", ...late, "c", "d"]);
        expect(out).toMatchObject({ payload: i, topic: "t", a: 1, b: 1, c: 1, d: 1 });
      });
    });

    it("fans out: the branches after a sibling that changed the shared message copy it as it is then, each its own", async () => {
      t = await startTestFlow(
        {
          nodes: [
            set("c1", "a", [["m", "x", "y"]]),
            { id: "m", type: "test-mutate", wires: [["seen"]] },
            set("x", "x", [["outX"]]),
            set("y", "y", [["outY"]]),
            { id: "seen", type: "test-collect" },
            { id: "outX", type: "test-collect" },
            { id: "outY", type: "test-collect" },
          ],
        },
        { nodes: [change, mutate], freeze: false },
      );
      t.inject("c1", { payload: 6 });
      t.inject("c1", { payload: 7 });
      const [, x] = await t.waitFor("outX", 2);
      const [, y] = await t.waitFor("outY", 2);
      // The shared message was changed in place before these branches ran: each copies what it has then.
      expect(x).toMatchObject({ payload: 7, a: 1, late: true, x: 1 });
      expect(y).toMatchObject({ payload: 7, a: 1, late: true, y: 1 });
      expect(x).not.toHaveProperty("y");
      expect(y).not.toHaveProperty("x");
    });

    it("a rule on _msgid still leaves every message sent with a string id", async () => {
      t = await startTestFlow(
        {
          nodes: [
            { id: "del", type: "change", config: { rules: [{ action: "delete", path: "_msgid" }] }, wires: [["out"]] },
            { id: "num", type: "change", config: { rules: [{ action: "set", path: "_msgid", value: 5, valueType: "number" }] }, wires: [["out"]] },
            { id: "out", type: "test-collect" },
          ],
        },
        { nodes: [change], freeze: false },
      );
      t.inject("del", { payload: 1 });
      t.inject("num", { payload: 2 });
      const outs = await t.waitFor("out", 2);
      for (const out of outs) expect(typeof out._msgid).toBe("string");
      expect(outs.map((o) => o.payload).sort()).toEqual([1, 2]);
    });
  });
});
