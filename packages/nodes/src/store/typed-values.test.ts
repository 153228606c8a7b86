import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import storeWrite from "./store-write.js";
import storeQuery from "./store-query.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

// A whole hour a day back: inside the 48-hour queries below whatever the date, and no bucket edge falls between the two readings.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 86_400_000;

describe("typed values through store-write and store-query", () => {
  it("named fields keep booleans, strings and JSON; latest, range and rows return them typed; buckets read numbers", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "w", type: "store-write", config: { series: "hp", fields: ["mode", "compressor.running", "cop", "zones"], tags: { device_id: "payload.device_id" } } },
          {
            id: "q",
            type: "store-query",
            config: {
              queries: [
                { as: "latest", mode: "latest", series: "hp", tags: { device_id: "hp1" } },
                { as: "modes", mode: "range", series: "hp.mode", hours: 48 },
                { as: "rows", mode: "rows", series: "hp", from: String(T0), to: String(T0 + 3_600_000) },
                { as: "cop", mode: "buckets", series: "hp", hours: 48, every: "1000d", reducer: "max" },
              ],
            },
            wires: [["out"]],
          },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: [storeWrite, storeQuery] },
    );
    const readings = [
      { device_id: "hp1", timestamp: T0, mode: "heating", compressor: { running: true }, cop: 3.5, zones: [1, 2] },
      { device_id: "hp1", timestamp: T0 + 60_000, mode: "defrost", compressor: { running: false }, cop: 2.5, zones: { living: 21 } },
    ];
    for (const payload of readings) expect((await t.injectTracked("w", { payload })).outcome).toBe("ack");
    await t.injectTracked("q", {});
    const [out] = await t.waitFor("out", 1);
    const r = out!.payload as Record<string, unknown>;
    expect(r.latest).toEqual({ time: T0 + 60_000, fields: { mode: "defrost", "compressor.running": false, cop: 2.5, zones: { living: 21 } } });
    expect((r.modes as { value: unknown }[]).map((p) => p.value)).toEqual(["heating", "defrost"]);
    expect(r.rows).toMatchObject({
      total: 2,
      rows: [
        { time: T0 + 60_000, fields: { mode: "defrost", "compressor.running": false, cop: 2.5 } },
        { time: T0, fields: { mode: "heating", "compressor.running": true, cop: 3.5, zones: [1, 2] } },
      ],
    });
    // Aggregations read the numbers only: the string and boolean series have no buckets.
    expect(r.cop).toEqual([{ time: expect.any(Number) as number, fields: { cop: 3.5 } }]);
  });

  it("every-leaf mode stores strings and booleans within the new-series budget, leaving out tag and time leaves", async () => {
    t = await startTestFlow(
      { nodes: [{ id: "w", type: "store-write", config: { series: "pir", tags: { sensor: "payload.sensor_id" }, maxNewSeriesPerMinute: 2 } }] },
      { nodes: [storeWrite] },
    );
    const ok = await t.injectTracked("w", { payload: { sensor_id: "pir1", timestamp: new Date(T0).toISOString(), value: true, room: "hall" } });
    expect(ok.outcome).toBe("ack");
    expect((await t.store.seriesNames("pir.")).map((s) => s.series)).toEqual(["pir.room", "pir.value"]);
    expect(await t.store.latestValue("pir.value", { sensor: "pir1" })).toMatchObject({ time: T0, value: true });
    expect((await t.store.latestValue("pir.room"))?.value).toBe("hall");
    // A third new series is over the budget of 2 a minute; what is known is still written.
    const over = await t.injectTracked("w", { payload: { sensor_id: "pir1", timestamp: T0 + 1000, value: false, battery: "low" } });
    expect(over.outcome).toBe("ack");
    expect((await t.store.latestValue("pir.value"))?.value).toBe(false);
    expect(await t.store.seriesNames("pir.battery")).toEqual([]);
  });

  it("values: numbers keeps the old behaviour (booleans as 1/0, strings left out)", async () => {
    t = await startTestFlow({ nodes: [{ id: "w", type: "store-write", config: { series: "x", values: "numbers" } }] }, { nodes: [storeWrite] });
    await t.injectTracked("w", { payload: { on: true, name: "a", v: 2 } });
    expect((await t.store.seriesNames("x.")).map((s) => s.series)).toEqual(["x.on", "x.v"]);
    expect((await t.store.latestValue("x.on"))?.value).toBe(1);
  });
});
