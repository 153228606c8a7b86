import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import calendarRollup from "./index.js";
import { rollup } from "./rollup.js";
import { energyWh } from "../shared/energy.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const DAY_START = Date.parse("2025-04-20T00:00:00Z");
/** 144 readings of a constant 500 W, one every 10 minutes from midnight. */
const constantDay = Array.from({ length: 144 }, (_, i) => ({ timestamp: new Date(DAY_START + i * 600_000).toISOString(), power_w: 500 }));

const flow = (by: "hour" | "day", extra: Record<string, unknown> = {}) => ({
  nodes: [
    {
      id: "roll",
      type: "calendar-rollup",
      config: {
        readings: "payload.data_points",
        by,
        maxGap: "35m",
        fields: [{ path: "power_w", stats: [{ stat: "avg", as: "avg_w", decimals: 1 }, { stat: "energy", as: "energy_wh" }, { stat: "count", as: "samples" }] }],
        ...extra,
      },
      wires: [["out"]],
    },
    { id: "out", type: "test-collect" },
  ],
});

async function roll(by: "hour" | "day", points: unknown[], extra: Record<string, unknown> = {}): Promise<Record<string, number | string>[]> {
  t = await startTestFlow(flow(by, extra), { nodes: [calendarRollup] });
  t.inject("roll", { topic: "job", payload: { data_points: points } });
  const [msg] = await t.waitFor("out", 1);
  const rows = msg!.payload as Record<string, number | string>[];
  await t.stop();
  t = undefined;
  return rows;
}

describe("calendar-rollup", () => {
  it("the 24 hours of a day add up to the day's energy (144 readings of 500 W)", async () => {
    const hours = await roll("hour", constantDay);
    const [day] = await roll("day", constantDay, { period: "date", periodFormat: "date" });
    expect(hours).toHaveLength(24);
    expect(hours[0]).toMatchObject({ timestamp: "2025-04-20T00:00:00.000Z", avg_w: 500, samples: 6 });
    // The segment 00:50 → 01:00 belongs to hour 0: a full hour of 500 W.
    expect(hours[0]!.energy_wh).toBeCloseTo(500, 6);
    const hourSum = hours.reduce((sum, h) => sum + Number(h.energy_wh), 0);
    expect(day).toMatchObject({ date: "2025-04-20", samples: 144 });
    const dayWh = Number(day!.energy_wh);
    expect(dayWh).toBeCloseTo((143 * 500) / 6, 6);
    expect(Math.abs(hourSum - dayWh) / dayWh).toBeLessThan(0.001);
  });

  it("splits a segment at the boundary with the interpolated power", () => {
    // 0 W at 00:30 rising to 1000 W at 01:30: 125 Wh before 01:00 (0→500 W), 375 Wh after.
    const periods = rollup(
      [
        { t: Date.parse("2025-01-01T00:30:00Z"), values: { p: 0 } },
        { t: Date.parse("2025-01-01T01:30:00Z"), values: { p: 1000 } },
      ],
      ["p"],
      "hour",
      "UTC",
      3_600_000,
    );
    expect(periods.map((p) => p.fields.p!.energy)).toEqual([125, 375]);
    expect(periods[0]!.fields.p!.energy + periods[1]!.fields.p!.energy).toBe(energyWh([{ t: 0, v: 0 }, { t: 3_600_000, v: 1000 }], Infinity));
  });

  it("readings further apart than maxGap add no energy", () => {
    const periods = rollup(
      [
        { t: Date.parse("2025-01-01T00:00:00Z"), values: { p: 100 } },
        { t: Date.parse("2025-01-01T00:40:00Z"), values: { p: 100 } },
      ],
      ["p"],
      "day",
      "UTC",
      35 * 60_000,
    );
    expect(periods[0]!.fields.p!.energy).toBe(0);
  });

  it("follows the time zone across daylight saving: 23 local hours on 30 March in London, 31 days in March", () => {
    const start = Date.parse("2025-03-30T00:00:00Z"); // local midnight (GMT)
    const readings = Array.from({ length: 23 * 6 + 1 }, (_, i) => ({ t: start + i * 600_000, values: { p: 600 } }));
    const hours = rollup(readings, ["p"], "hour", "Europe/London", 35 * 60_000);
    // 23 local hours, then the reading at the next local midnight opens the 31st's first hour.
    expect(hours).toHaveLength(24);
    expect(hours[23]!.start).toBe(Date.parse("2025-03-30T23:00:00Z"));
    expect(hours[1]!.start).toBe(Date.parse("2025-03-30T01:00:00Z")); // 02:00 BST
    const days = rollup(readings, ["p"], "day", "Europe/London", 35 * 60_000);
    expect(days.map((d) => d.start)).toEqual([start, Date.parse("2025-03-30T23:00:00Z")]);
    expect(days[0]!.fields.p!.energy).toBeCloseTo(23 * 600, 6);
  });

  it("refuses a message without a readings array with an error naming the path", async () => {
    t = await startTestFlow(flow("hour"), { nodes: [calendarRollup] });
    const completion = await t.injectTracked("roll", { payload: { data_points: "nope" } });
    expect(completion).toMatchObject({ outcome: "nack" });
    expect(completion.outcome === "nack" && completion.error.message).toContain("msg.payload.data_points must be an array");
  });
});

describe("calendar-rollup with stored", () => {
  const ZONE = "Europe/Berlin";
  // Local days in Berlin (UTC+1): 2025-01-10 starts at 2025-01-09T23:00Z.
  const DAY1 = Date.parse("2025-01-09T23:00:00Z");
  const storedFlow = (config: Record<string, unknown>) => ({
    nodes: [{ id: "days", type: "calendar-rollup", config: { by: "day", timezone: ZONE, ...config } }],
  });
  const stored = { prefix: "site.daily", series: [{ series: "site.energy", aggregate: "sum" }, { series: "site.peak", aggregate: "max" }] };

  it("catches up at start, then rolls up again the local day of each time written", async () => {
    const store = openStore({ memory: true });
    try {
      // Two local days of 15-minute rollups: 10 Wh each, the peak rising through the day.
      const points = [];
      for (let i = 0; i < 2 * 96; i++) points.push({ series: "site.energy", time: DAY1 + i * 900_000, value: 10 }, { series: "site.peak", time: DAY1 + i * 900_000, value: i % 96 });
      await store.writePoints(points);
      t = await startTestFlow(storedFlow({ stored }), { nodes: [calendarRollup], store });
      // The first message waits for the catch-up, so both days are there once it completes.
      await t.injectTracked("days", { payload: { start: new Date(DAY1 + 96 * 900_000).toISOString() } });
      const energy = () => store.range({ series: "site.daily.site.energy", from: 0, to: Date.now() });
      expect((await energy()).map((p) => [new Date(p.time).toISOString(), p.value])).toEqual([
        ["2025-01-09T23:00:00.000Z", 960],
        ["2025-01-10T23:00:00.000Z", 960],
      ]);
      expect((await store.range({ series: "site.daily.site.peak", from: 0, to: Date.now() })).map((p) => p.value)).toEqual([95, 95]);
      // A window written late into the first day (local 23:45 on 10 Jan): that day alone is rolled up again.
      await store.writePoints([{ series: "site.energy", time: DAY1 + 95 * 900_000, value: 50 }]);
      const completion = await t.injectTracked("days", { payload: { start: new Date(DAY1 + 95 * 900_000).toISOString() } });
      expect(completion).toMatchObject({ outcome: "ack" });
      expect((await energy()).map((p) => p.value)).toEqual([1000, 960]);
      const bad = await t.injectTracked("days", { payload: { start: "soon" } });
      expect(bad.outcome === "nack" && bad.error.message).toContain('msg.payload.start must be the time written, ms or ISO 8601 (got "soon")');
      await t.stop();
      t = undefined;
    } finally {
      await store.close();
    }
  });

  it("fails to start with stored and by other than day, with stored and fields, or with neither", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ by: "hour", stored }, /failed to start: stored: keeps daily rollups, so by must be "day"/],
      [{ stored, fields: [{ path: "p", stats: [{ stat: "sum" }] }] }, /failed to start: fields or stored: give one of them/],
      [{}, /failed to start: fields: list what to roll up from the readings/],
    ];
    for (const [config, message] of cases) {
      t = await startTestFlow(storedFlow(config), { nodes: [calendarRollup] });
      expect(t.engine.statuses().find((s) => s.nodeId === "days")?.status.text).toMatch(message);
      await t.stop();
      t = undefined;
    }
  });
});
