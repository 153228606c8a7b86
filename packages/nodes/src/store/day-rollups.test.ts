import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openPgStore, openStore, type Store, type Tags } from "@wattflow/runtime";
import { postgresAvailable, startPostgres, type Postgres } from "../../../../test/services/postgres.js";
import { addUnits, startOf, type CalendarUnit } from "../shared/calendar.js";
import { calendar, lifetime, type PeriodValue, type Reducer } from "./queries.js";
import { calendarFromDays, catchUpDays, dailySeries, forgetRollups, lifetimeFromDays, rollUpDay, type DayRollup } from "./day-rollups.js";

const QUARTER = 900_000;
const ENERGY = "site.energy.pv";
const PEAK = "site.energy.pv_max";
const ROLLUPS: DayRollup[] = [
  { series: ENERGY, aggregate: "sum" },
  { series: PEAK, aggregate: "max" },
];
// 1 Feb to 15 Apr 2025: the clocks go forward in Europe (30 Mar) and North America (9 Mar) on the way.
const FROM = Date.parse("2025-02-01T00:00:00Z");
const TO = Date.parse("2025-04-15T00:00:00Z");
const NOW = TO - 3 * 3_600_000;

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

// The same questions on both backends: SQLite, and PostgreSQL (a schema per test) where it is installed.
let server: Postgres | undefined;
let schemas = 0;
afterAll(async () => {
  await server?.stop();
});
const backends: { name: string; open(): Promise<Store> }[] = [{ name: "sqlite", open: async () => openStore({ memory: true }) }];
if (postgresAvailable) {
  backends.push({
    name: "postgres",
    async open() {
      server ??= await startPostgres();
      return openPgStore({ url: server.url, schema: `rollups${++schemas}_${process.pid}` });
    },
  });
}

/** 15-minute energy (Wh) and peak (W) for every quarter hour: a sun curve whose height changes from day to day. */
async function seed(s: Store, tags?: Tags, scale = 1): Promise<void> {
  const points = [];
  for (let t = FROM; t < TO; t += QUARTER) {
    const hour = (t % 86_400_000) / 3_600_000;
    const w = scale * Math.max(0, 300 * Math.sin((Math.PI * (hour - 6)) / 12)) * (1 + ((Math.floor(t / 86_400_000) * 7919) % 13) / 10);
    if (w === 0) continue;
    points.push({ series: ENERGY, time: t, value: w / 4, ...(tags ? { tags } : {}) }, { series: PEAK, time: t, value: w * 1.1, ...(tags ? { tags } : {}) });
  }
  await s.writePoints(points);
}

/** The same periods with the same values, but for the last bits of a sum added in another order. */
function expectSame(a: PeriodValue[], b: PeriodValue[], what = ""): void {
  expect(a.map((x) => [x.period, x.start]), what).toEqual(b.map((x) => [x.period, x.start]));
  a.forEach((x, i) => expect(Math.abs(x.value - b[i]!.value), `${what} ${x.period}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(x.value))));
}

async function expectSameCalendars(s: Store, timeZone: string, tags?: Tags): Promise<void> {
  const questions: [CalendarUnit, number, Reducer, string][] = [
    ["day", 80, "sum", ENERGY],
    ["day", 30, "max", PEAK],
    ["month", 4, "sum", ENERGY],
    ["year", 2, "sum", ENERGY],
  ];
  for (const [unit, count, reducer, series] of questions) {
    const o = { series, unit, count, reducer, timeZone, now: NOW, ...(tags ? { tags } : {}) };
    const fromDays = await calendarFromDays(s, "site.daily", o);
    expect(fromDays.length, `${unit} ${reducer} in ${timeZone}`).toBeGreaterThan(0);
    expectSame(fromDays, await calendar(s, o), `${unit} ${reducer} in ${timeZone}`);
  }
  const o = { series: ENERGY, peakSeries: PEAK, timeZone, now: NOW, ...(tags ? { tags } : {}) };
  const a = await lifetimeFromDays(s, "site.daily", o);
  const b = await lifetime(s, o);
  expect(a.total).toBeCloseTo(b.total, 6);
  expect({ ...a, total: 0 }).toEqual({ ...b, total: 0 });
}

describe.each(backends)("daily rollups on $name", ({ open }) => {
  it("answer calendar and lifetime questions as the 15-minute points do, across DST changes, in whole, half and quarter hour zones", async () => {
    store = await open();
    await seed(store);
    for (const zone of ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "UTC"]) {
      await catchUpDays(store, "site.daily", ROLLUPS, zone);
      // The day the clocks go forward holds 23 hours of points, and its rollup says so.
      const days = await store.range({ series: dailySeries("site.daily", ENERGY), from: FROM, to: TO });
      expect(days.every((d) => d.time === startOf("day", d.time, zone)), zone).toBe(true);
      await expectSameCalendars(store, zone);
    }
  });

  it("are read for closed days, and a late write into a past day is right once that day is rolled up again", async () => {
    store = await open();
    await seed(store);
    const zone = "Europe/Berlin";
    await catchUpDays(store, "site.daily", ROLLUPS, zone);
    const day = addUnits("day", startOf("day", NOW, zone), -5, zone);
    await store.writePoints([{ series: ENERGY, time: day + 2 * 3_600_000, value: 5000 }]);
    const o = { series: ENERGY, unit: "day" as const, count: 10, reducer: "sum" as const, timeZone: zone, now: NOW };
    const stale = await calendarFromDays(store, "site.daily", o);
    const truth = await calendar(store, o);
    expect(stale.find((d) => d.start === day)!.value).not.toBeCloseTo(truth.find((d) => d.start === day)!.value, 3);
    await rollUpDay(store, "site.daily", ROLLUPS, zone, day + 2 * 3_600_000);
    expectSame(await calendarFromDays(store, "site.daily", o), truth);
    // Today is always read from the points themselves.
    await store.writePoints([{ series: ENERGY, time: NOW - 60_000, value: 777 }]);
    expectSame(await calendarFromDays(store, "site.daily", o), await calendar(store, o));
  });

  it("are rebuilt when the zone changes, and not read in another zone or before they are complete", async () => {
    store = await open();
    await seed(store);
    const o = { series: ENERGY, unit: "day" as const, count: 20, reducer: "sum" as const, now: NOW };
    // Not caught up yet: a rollup of one day must not pass for all of them.
    await rollUpDay(store, "site.daily", ROLLUPS, "Europe/Berlin", NOW - 86_400_000);
    expectSame(await calendarFromDays(store, "site.daily", { ...o, timeZone: "Europe/Berlin" }), await calendar(store, { ...o, timeZone: "Europe/Berlin" }));
    await catchUpDays(store, "site.daily", ROLLUPS, "Europe/Berlin");
    await catchUpDays(store, "site.daily", ROLLUPS, "Asia/Kolkata");
    const days = await store.range({ series: dailySeries("site.daily", ENERGY), from: 0, to: Number.MAX_SAFE_INTEGER });
    expect(days.every((d) => d.time === startOf("day", d.time, "Asia/Kolkata"))).toBe(true);
    for (const timeZone of ["Asia/Kolkata", "Europe/Berlin"]) {
      expectSame(await calendarFromDays(store, "site.daily", { ...o, timeZone }), await calendar(store, { ...o, timeZone }), timeZone);
    }
  });

  it("are repaired at the next start when a past day's roll-up was missed, and not read after one failed", async () => {
    store = await open();
    await seed(store);
    const zone = "Europe/Berlin";
    await catchUpDays(store, "site.daily", ROLLUPS, zone);
    // A late window into the day before yesterday that was never rolled up (the runtime stopped first).
    const day = addUnits("day", startOf("day", NOW, zone), -2, zone);
    await store.writePoints([{ series: ENERGY, time: day + 3_600_000, value: 1000 }]);
    const o = { series: ENERGY, unit: "day" as const, count: 5, reducer: "sum" as const, timeZone: zone, now: NOW };
    await catchUpDays(store, "site.daily", ROLLUPS, zone);
    expectSame(await calendarFromDays(store, "site.daily", o), await calendar(store, o));
    // A roll-up that failed: the rollups stop counting as complete, so the answer comes from the points, then the next start rebuilds.
    await forgetRollups(store, "site.daily", ROLLUPS, zone);
    await store.writePoints([{ series: ENERGY, time: addUnits("day", day, -20, zone) + 3_600_000, value: 2000 }]);
    expectSame(await calendarFromDays(store, "site.daily", { ...o, count: 30 }), await calendar(store, { ...o, count: 30 }));
    await catchUpDays(store, "site.daily", ROLLUPS, zone);
    expectSame(await calendarFromDays(store, "site.daily", { ...o, count: 30 }), await calendar(store, { ...o, count: 30 }));
    expect((await store.context.get<{ building?: true }>("calendar-rollup:days", dailySeries("site.daily", ENERGY)))?.building).toBeUndefined();
  });

  it("keep the all-time peak when the points of its day were pruned", async () => {
    store = await open();
    await seed(store);
    const zone = "UTC";
    await catchUpDays(store, "site.daily", ROLLUPS, zone);
    const o = { series: ENERGY, peakSeries: PEAK, timeZone: zone, now: NOW };
    const before = await lifetimeFromDays(store, "site.daily", o);
    expect(before.peak).not.toBeNull();
    // Retention drops the raw points up to and including the peak's day; its rollup row stays.
    await store.deleteOlderThan(PEAK, addUnits("day", startOf("day", before.peak!.at, zone), 1, zone));
    const after = await lifetimeFromDays(store, "site.daily", o);
    expect(after.peak?.value).toBe(before.peak!.value);
    expect(after.peak?.at).toBe(startOf("day", before.peak!.at, zone));
  });

  it("keep each tag set apart, so a tag filter reads only its own days", async () => {
    store = await open();
    await seed(store, { site: "north" });
    await seed(store, { site: "south" }, 0.5);
    await catchUpDays(store, "site.daily", ROLLUPS, "Europe/Berlin");
    await expectSameCalendars(store, "Europe/Berlin", { site: "south" });
    const both = await calendarFromDays(store, "site.daily", { series: ENERGY, unit: "month", count: 2, reducer: "sum", timeZone: "Europe/Berlin", now: NOW });
    const south = await calendarFromDays(store, "site.daily", { series: ENERGY, unit: "month", count: 2, reducer: "sum", timeZone: "Europe/Berlin", now: NOW, tags: { site: "south" } });
    expect(both[1]!.value).toBeCloseTo(south[1]!.value * 3, 6);
  });
});
