import { afterEach, describe, expect, it } from "vitest";
import { isMessageError } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import storeWrite from "./store-write.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const randomKeys = (n: number): Record<string, number> => {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) out[`k${Math.random().toString(36).slice(2)}${i}`] = Math.random();
  return out;
};

const errorsOf = (flow: TestFlow): string[] => flow.events.filter((e) => e.type === "error").map((e) => (e as { message: string }).message);

describe("store-write bounds", () => {
  it("stores every numeric leaf within a bound of new series per device a minute, and counts what it refuses", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "w", type: "store-write", config: { series: "hp", tags: { device_id: "payload.device_id" }, maxNewSeriesPerMinute: 100 } },
          { id: "errors", type: "catch", config: {}, wires: [["caught"]] },
          { id: "caught", type: "test-collect" },
        ],
      },
      { nodes: [storeWrite, catchNode] },
    );
    const outcomes = [];
    for (let i = 0; i < 28; i++) outcomes.push(await t.injectTracked("w", { payload: { device_id: "site1", temperature: { inlet: 40 }, ...randomKeys(2000) } }));
    const series = await t.store.seriesNames("hp.");
    expect(series.length).toBe(100);
    expect(series.every((s) => s.tags.device_id === "site1")).toBe(true);
    // The first message stored what fit; the others had nothing new allowed and only known keys (temperature.inlet) stored.
    expect((await t.store.latest("hp.temperature.inlet", { device_id: "site1" }))?.value).toBe(40);
    expect(outcomes.every((o) => o.outcome === "ack")).toBe(true);
    const caught = await t.waitFor("caught", 28);
    expect((caught[0]!.error as { message: string }).message).toMatch(/^hp: refused 1901 new series over the limit of 100 a minute \(maxNewSeriesPerMinute\) for device_id=site1; first refused: "hp\.k/);
    expect(t.engine.stats().find((s) => s.nodeId === "w")).toMatchObject({ rejected: 28 });
    expect(t.engine.statuses().find((s) => s.nodeId === "w")?.status.text).toMatch(/series refused/);

    // Another device has its own allowance; a name longer than the store allows is refused with the series named.
    const long = "x".repeat(5024);
    const other = await t.injectTracked("w", { payload: { device_id: "site2", [long]: 1 } });
    expect(other.outcome).toBe("nack");
    expect(other.outcome === "nack" && other.error.message).toMatch(/1 with a name longer than 200 characters for device_id=site2; first refused: "hp\.xxx.*…" \(5027 characters\)/);
    await t.injectTracked("w", { payload: { device_id: "site2", a: 1, b: 2 } });
    expect((await t.store.seriesNames("hp.")).length).toBe(102);
  });

  it("with fields, stores exactly the named ones whatever else arrives; an over-long tag value fails the message naming the tag", async () => {
    t = await startTestFlow(
      {
        nodes: [{ id: "w", type: "store-write", config: { series: "hp", fields: ["temperature.inlet", "cop", "compressor.running"], tags: { device_id: "payload.device_id" } } }],
      },
      { nodes: [storeWrite] },
    );
    for (let i = 0; i < 5; i++) {
      const done = await t.injectTracked("w", { payload: { device_id: "site1", temperature: { inlet: 40 + i, outlet: 45 }, cop: 3.5, compressor: { running: true }, ...randomKeys(2000) } });
      expect(done.outcome).toBe("ack");
    }
    expect((await t.store.seriesNames("hp.")).map((s) => s.series)).toEqual(["hp.compressor.running", "hp.cop", "hp.temperature.inlet"]);
    expect((await t.store.latest("hp.temperature.inlet"))?.value).toBe(44);
    const bad = await t.injectTracked("w", { payload: { device_id: "d".repeat(300), cop: 3 } });
    expect(bad.outcome === "nack" && bad.error.message).toBe("hp: tag device_id (payload.device_id) is 300 characters long; the store keeps at most 256");
    expect(errorsOf(t)).toHaveLength(1);
    expect(t.engine.stats().find((s) => s.nodeId === "w")).toMatchObject({ rejected: 1 });
  });

  it("a message the store would refuse (a time far off, a NUL) fails alone as a fault of the message; the rest of its batch is stored", async () => {
    t = await startTestFlow(
      { nodes: [{ id: "w", type: "store-write", config: { series: "m", tags: { device: "payload.device" }, flushInterval: "50ms" } }] },
      { nodes: [storeWrite] },
    );
    const now = Date.now();
    const outcomes = await Promise.all([
      t.injectTracked("w", { payload: { device: "a", power: 1, timestamp: now } }),
      t.injectTracked("w", { payload: { device: "b", power: 2, timestamp: 1e19 } }),
      t.injectTracked("w", { payload: { device: "c", power: 3, note: "x\u0000y", timestamp: now } }),
      t.injectTracked("w", { payload: { device: "d\u0000", power: 4, timestamp: now } }),
      t.injectTracked("w", { payload: { device: "e", power: 5, timestamp: now + 30 * 86_400_000 } }),
      t.injectTracked("w", { payload: { device: "f", power: 6, timestamp: now } }),
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(["ack", "nack", "nack", "nack", "nack", "ack"]);
    const errors = outcomes.flatMap((o) => (o.outcome === "nack" ? [o.error] : []));
    expect(errors.every(isMessageError)).toBe(true);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^m: series "m\.power": time 10000000000000000000 is not a time/),
      expect.stringMatching(/^m: series "m\.note": the value holds a NUL character/),
      expect.stringMatching(/^m: series "m\.power": tag "device" value "d\\0" holds a NUL character/),
      expect.stringMatching(/^m: series "m\.power": time \S+ is more than 7 days ahead of the clock/),
    ]);
    expect((await t.store.latestPerTagSet("m.power")).map((p) => [p.tags?.device, p.value]).sort()).toEqual([
      ["a", 1],
      ["f", 6],
    ]);
    expect(t.engine.stats().find((s) => s.nodeId === "w")).toMatchObject({ rejected: 4 });
  });
});
