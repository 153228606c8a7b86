import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import catchNode from "../catch/index.js";
import windowBuffer from "./index.js";
import { Ring } from "./ring.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const sensorKey = ["payload.sensor_type", { name: "sensor_id", path: "payload.sensor_id" }];

const start = async (config: Record<string, unknown>) => {
  t = await startTestFlow(
    {
      nodes: [
        { id: "buf", type: "window-buffer", config, wires: [["out"], ["answers"]] },
        { id: "out", type: "test-collect" },
        { id: "answers", type: "test-collect" },
        { id: "errors", type: "catch", config: { scope: ["buf"] }, wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [windowBuffer, catchNode] },
  );
  return t;
};

const reading = (sensor_type: string, sensor_id: string, value: number) => ({ payload: { sensor_type, sensor_id, value } });

/** Sends readings and waits until all have passed through. */
const feed = async (readings: ReturnType<typeof reading>[]) => {
  const before = t!.received("out").length;
  for (const r of readings) t!.inject("buf", r);
  await t!.waitFor("out", before + readings.length);
};

/** Sends a query message and returns the answer's payload. */
const ask = async (query: unknown): Promise<unknown> => {
  const before = t!.received("answers").length;
  t!.inject("buf", { query, _reqid: "r1" });
  const answers = await t!.waitFor("answers", before + 1);
  return answers[before]!.payload;
};

const values = (readings: unknown): number[] => (readings as { value: number }[]).map((r) => r.value);

describe("Ring", () => {
  it("keeps the newest items, oldest first, through many wraps", () => {
    const ring = new Ring<number>(3);
    expect(ring.toArray()).toEqual([]);
    ring.push(1);
    ring.push(2);
    expect(ring.toArray()).toEqual([1, 2]);
    for (let i = 3; i <= 11; i++) {
      ring.push(i);
      expect(ring.toArray()).toEqual([i - 2, i - 1, i]);
    }
    expect(ring.size).toBe(3);
  });
});

describe("window-buffer", () => {
  it("passes readings through and keeps exactly the last N per key, oldest first", async () => {
    await start({ key: sensorKey, size: 3 });
    await feed([
      reading("ldr", "ldr_1", 1),
      reading("ldr", "ldr_1", 2),
      reading("pir", "pir_1", 100),
      reading("ldr", "ldr_1", 3),
      reading("ldr", "ldr_1", 4),
      reading("ldr", "ldr_1", 5),
    ]);
    expect(t!.received("out").map((m) => (m.payload as { value: number }).value)).toEqual([1, 2, 100, 3, 4, 5]);
    expect(values(await ask({ key: "ldr/ldr_1" }))).toEqual([3, 4, 5]);
    expect(values(await ask({ sensor_type: "pir", sensor_id: "pir_1" }))).toEqual([100]);
    expect(await ask({ sensor_type: "pir", sensor_id: "nope" })).toEqual([]);
  });

  it("answers with every key, or the keys matching some fields", async () => {
    await start({ key: sensorKey, size: 2 });
    await feed([reading("ldr", "ldr_1", 1), reading("ldr", "ldr_2", 2), reading("pir", "pir_1", 3), reading("ldr", "ldr_1", 4)]);
    const all = (await ask({})) as Record<string, unknown>;
    expect(Object.keys(all).sort()).toEqual(["ldr/ldr_1", "ldr/ldr_2", "pir/pir_1"]);
    expect(values(all["ldr/ldr_1"])).toEqual([1, 4]);
    const ldr = (await ask({ sensor_type: "ldr" })) as Record<string, unknown>;
    expect(Object.keys(ldr).sort()).toEqual(["ldr/ldr_1", "ldr/ldr_2"]);
    // The answer is the query message with a new payload, so http-response can still reply to it.
    expect(t!.received("answers")[0]!._reqid).toBe("r1");
  });

  it("evicts the least recently updated key past maxKeys", async () => {
    await start({ key: sensorKey, maxKeys: 2 });
    await feed([reading("ldr", "a", 1), reading("ldr", "b", 2), reading("ldr", "a", 3), reading("ldr", "c", 4)]);
    const all = (await ask({})) as Record<string, unknown>;
    expect(Object.keys(all).sort()).toEqual(["ldr/a", "ldr/c"]);
    expect(values(all["ldr/a"])).toEqual([1, 3]);
    await feed([reading("ldr", "d", 5)]);
    expect(Object.keys((await ask({})) as object).sort()).toEqual(["ldr/c", "ldr/d"]);
  });

  it("keeps readings without a key out of the buffers but passes them on", async () => {
    await start({ key: sensorKey });
    await feed([reading("ldr", "ldr_1", 1), { payload: { sensor_type: "ldr", value: 2 } } as ReturnType<typeof reading>]);
    expect(await ask({})).toEqual({ "ldr/ldr_1": [{ sensor_type: "ldr", sensor_id: "ldr_1", value: 1 }] });
  });

  it("escapes / in key values, so keys stay distinct", async () => {
    await start({ key: sensorKey });
    await feed([reading("a/b", "c", 1), reading("a", "b/c", 2)]);
    const all = (await ask({})) as Record<string, unknown>;
    expect(Object.keys(all).sort()).toEqual(["a%2Fb/c", "a/b%2Fc"]);
    expect(values(await ask({ sensor_type: "a", sensor_id: "b/c" }))).toEqual([2]);
  });

  it("keeps one buffer when no key is configured, and another property when asked", async () => {
    await start({ size: 2, property: "payload.value" });
    await feed([reading("ldr", "ldr_1", 1), reading("pir", "pir_1", 2), reading("ldr", "ldr_2", 3)]);
    expect(await ask({})).toEqual([2, 3]);
  });

  it("reports a query it cannot answer to catch nodes", async () => {
    await start({ key: sensorKey });
    t!.inject("buf", { query: { sensor: "ldr" } });
    t!.inject("buf", { query: "all" });
    const caught = await t!.waitFor("caught", 2);
    expect((caught[0]!.error as { message: string }).message).toBe('msg.query has unknown field "sensor" (known: key, sensor_type, sensor_id)');
    expect((caught[1]!.error as { message: string }).message).toMatch(/^msg\.query must be an object/);
    expect(t!.received("answers")).toHaveLength(0);
  });

  it("serves the buffers on an HTTP route, with the key fields as query parameters", async () => {
    await start({ key: sensorKey, size: 2, path: "/api/sensor-readings/buffer/" });
    await feed([reading("ldr", "ldr_1", 1), reading("ldr", "ldr_1", 2), reading("ldr", "ldr_1", 3), reading("pir", "pir_1", 4)]);

    const one = await t!.request("GET", "/api/sensor-readings/buffer/", { query: { sensor_type: "ldr", sensor_id: "ldr_1" } });
    expect(one).toEqual({ status: 200, body: [{ sensor_type: "ldr", sensor_id: "ldr_1", value: 2 }, { sensor_type: "ldr", sensor_id: "ldr_1", value: 3 }] });

    const byType = await t!.request("GET", "/api/sensor-readings/buffer/", { query: { sensor_type: "pir" } });
    expect(byType).toEqual({ status: 200, body: { "pir/pir_1": [{ sensor_type: "pir", sensor_id: "pir_1", value: 4 }] } });

    const all = await t!.request("GET", "/api/sensor-readings/buffer/");
    expect(Object.keys(all.body as object).sort()).toEqual(["ldr/ldr_1", "pir/pir_1"]);

    const bad = await t!.request("GET", "/api/sensor-readings/buffer/", { query: { type: "ldr" } });
    expect(bad).toEqual({ status: 400, body: { error: "bad query", message: 'the query string has unknown field "type" (known: key, sensor_type, sensor_id)' } });

    expect((await t!.request("POST", "/api/sensor-readings/buffer/")).status).toBe(405);
  });

  it("removes its route when the flow stops", async () => {
    await start({ path: "/buffer" });
    expect((await t!.request("GET", "/buffer")).status).toBe(200);
    await t!.redeploy({ nodes: [{ id: "out", type: "test-collect" }] });
    expect((await t!.request("GET", "/buffer")).status).toBe(404);
  });

  it.each([
    [["payload.values[0]"], /config\.key\[0\]: "payload\.values\[0\]" needs a name/],
    [["payload.key"], /config\.key\[0\]: the name "key" is reserved/],
    [["payload.id", "meta.id"], /config\.key: two fields are named "id"/],
  ])("refuses key %j at start", async (key, reason) => {
    await start({ key });
    const status = t!.events.find((e) => e.type === "status" && e.nodeId === "buf");
    expect(status && "status" in status ? status.status.text : "").toMatch(reason);
  });
});
