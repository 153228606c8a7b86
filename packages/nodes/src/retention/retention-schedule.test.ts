/**
 * Retention as it runs in a deployment: fired by its cron (on a controlled
 * clock) across the spring DST change, pruning raw points, rolling them up
 * into hourly averages that a later run keeps.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openStore, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import retention from "./index.js";

let t: TestFlow | undefined;
let store: Store;
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  store = openStore({ memory: true });
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await store.close();
  vi.useRealTimers();
});

const HOUR = 3_600_000;
const STEP = 10 * 60_000;
const FIRST = Date.parse("2025-03-25T00:00:00Z");
const LAST = Date.parse("2025-03-29T00:00:00Z");

/** Lets timers due by `iso` fire, then lets the engine deliver. */
async function advanceTo(iso: string): Promise<void> {
  await vi.advanceTimersByTimeAsync(Date.parse(iso) - Date.now());
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}

type Report = { time: string; removed: number; rules: { series: string; before: string; removed: number; rolledUp: number }[] };
const reports = () => t!.received("out").map((m) => m.payload as Report);
const all = (series: string) => store.range({ series, from: 0, to: Number.MAX_SAFE_INTEGER });

describe("retention on its schedule", () => {
  it("fires at 03:30 Berlin time on both sides of the DST change; prunes raw points, rolls whole hours up, keeps the rollups", async () => {
    vi.setSystemTime(new Date("2025-03-29T00:00:00Z"));
    // A reading every 10 minutes for four days; its value is its index, so each hour's average is known.
    const raw = [];
    for (let time = FIRST, i = 0; time < LAST; time += STEP, i++) raw.push({ series: "pv.power", time, value: i, tags: { inverter: "a" } });
    await store.writePoints(raw);
    await store.writePoints([{ series: "grid.power", time: FIRST, value: 1 }]);
    t = await startTestFlow(
      {
        nodes: [
          {
            id: "prune",
            type: "retention",
            config: {
              cron: "30 3 * * *",
              timezone: "Europe/Berlin",
              rules: [
                { series: "pv.*", keep: "2d", rollup: { every: "1h", prefix: "hourly", aggregate: "avg" } },
                { series: "hourly.*", keep: "90d" },
              ],
            },
            wires: [["out"]],
          },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: [retention], store },
    );

    // 03:30 CET is 02:30 UTC.
    await advanceTo("2025-03-29T02:29:59Z");
    expect(reports()).toEqual([]);
    await advanceTo("2025-03-29T02:30:01Z");
    expect(reports().map((r) => r.time)).toEqual(["2025-03-29T02:30:00.000Z"]);
    // Raw points go up to the last whole hour before the cut (2 days back), so nothing unrolled is removed.
    expect((await all("pv.power"))[0]!.time).toBe(Date.parse("2025-03-27T02:00:00Z"));
    expect((await all("hourly.pv.power"))).toHaveLength(50);

    // Clocks go forward at 01:00 UTC on 30 March: 03:30 CEST is 01:30 UTC, 23 hours after the first run.
    await advanceTo("2025-03-30T01:29:59Z");
    expect(reports()).toHaveLength(1);
    await advanceTo("2025-03-30T01:30:01Z");
    expect(reports().map((r) => r.time)).toEqual(["2025-03-29T02:30:00.000Z", "2025-03-30T01:30:00.000Z"]);
    const [first, second] = reports();
    expect(first!.rules[0]).toMatchObject({ series: "pv.*", removed: 50 * 6, rolledUp: 50 });
    expect(second!.rules[0]).toMatchObject({ series: "pv.*", removed: 23 * 6, rolledUp: 23 });
    expect(second!.rules[1]).toMatchObject({ series: "hourly.*", removed: 0 });

    expect((await all("pv.power"))[0]!.time).toBe(Date.parse("2025-03-28T01:00:00Z"));
    expect((await all("pv.power"))).toHaveLength((LAST - Date.parse("2025-03-28T01:00:00Z")) / STEP);
    // Every hour pruned so far is in the tier once, its average over all six of its readings, tags kept.
    const hourly = (await all("hourly.pv.power"));
    expect(hourly.map((p) => p.time)).toEqual(Array.from({ length: 73 }, (_, h) => FIRST + h * HOUR));
    expect(hourly.map((p) => p.value)).toEqual(Array.from({ length: 73 }, (_, h) => h * 6 + 2.5));
    expect(hourly[0]!.tags).toEqual({ inverter: "a" });
    // A series no rule names is left alone.
    expect((await all("grid.power"))).toHaveLength(1);
  });

  it("rollup takes the aggregate asked for", async () => {
    vi.setSystemTime(new Date("2025-03-29T00:00:00Z"));
    await store.writePoints([0, 1, 2].map((i) => ({ series: "temp.c", time: FIRST + i * STEP, value: 10 + i })));
    t = await startTestFlow(
      {
        nodes: [
          { id: "prune", type: "retention", config: { cron: "0 * * * *", rules: [{ series: "temp.c", keep: "1d", rollup: { every: "1h", prefix: "max", aggregate: "max" } }] }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: [retention], store },
    );
    await advanceTo("2025-03-29T01:00:01Z");
    expect(reports()).toHaveLength(1);
    expect((await all("temp.c"))).toEqual([]);
    expect((await all("max.temp.c")).map((p) => [p.time, p.value])).toEqual([[FIRST, 12]]);
  });
});
