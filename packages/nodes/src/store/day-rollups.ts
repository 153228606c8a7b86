/**
 * Daily rollups: one point per local day of a series (its sum, max or min),
 * kept in `<prefix>.<series>` as the series is written (calendar-rollup with
 * `stored`), so calendar and lifetime questions read a row per day instead of
 * a year of 15-minute points. A day's rollup is always computed again from
 * the day's stored points, never adjusted, so rolling a day up twice, or a
 * late write into a past day, leaves it right.
 */
import type { Store, Tags, TypedPoint } from "@wattflow/runtime";
import { addUnits, startOf, type CalendarUnit } from "../shared/calendar.js";
import { alignedBucket, calendar, groupByPeriod, lifetime, lifetimeOf, preAggregated, type Lifetime, type PeriodValue, type Reducer } from "./queries.js";

export type DayAggregate = "sum" | "max" | "min";

export interface DayRollup {
  /** The series rolled up, e.g. `solar.energy.pv_power_energy`. */
  series: string;
  aggregate: DayAggregate;
}

/**
 * Where a daily rollup says it is complete: its time zone and aggregate, set
 * once every day of its series has been rolled up. Queries read a rollup only
 * when this matches their question; until then (or after the zone changed)
 * they answer from the series itself.
 */
const MARK_SCOPE = "calendar-rollup:days";

interface Mark {
  timeZone: string;
  aggregate: DayAggregate;
  /**
   * Rows of this zone are being written but do not cover every day yet (a build under way, or a day whose
   * roll-up failed): not read, and not deleted by a build in the same zone.
   */
  building?: true;
}

const END = Number.MAX_SAFE_INTEGER;

export const dailySeries = (prefix: string, series: string): string => `${prefix}.${series}`;

async function ready(store: Store, prefix: string, r: DayRollup, timeZone: string): Promise<boolean> {
  const mark = await store.context.get<Mark>(MARK_SCOPE, dailySeries(prefix, r.series));
  return mark?.timeZone === timeZone && mark.aggregate === r.aggregate && mark.building !== true;
}

/** Claims a rollup's rows for this zone before writing any: a later build in another zone knows to remove them. */
async function claim(store: Store, prefix: string, r: DayRollup, timeZone: string): Promise<void> {
  const name = dailySeries(prefix, r.series);
  if (!(await store.context.get<Mark>(MARK_SCOPE, name))) await store.context.set(MARK_SCOPE, name, { timeZone, aggregate: r.aggregate, building: true } satisfies Mark);
}

/**
 * The days in [from, to) of a series, one point per local day and tag set,
 * reduced as `calendar()` reduces a day (the same SQL buckets, added in the
 * same order), so a day of a one-tag-set series read from its rollup is the
 * very same number.
 */
async function days(store: Store, prefix: string, r: DayRollup, timeZone: string, from: number, to: number): Promise<TypedPoint[]> {
  const buckets = await store.buckets({ series: r.series, from, to, every: alignedBucket(timeZone, Math.min(to, Date.now())), aggregates: [r.aggregate] });
  const byTags = new Map<string, { tags: Tags; points: { time: number; value: number }[] }>();
  for (const b of buckets) {
    const key = JSON.stringify(b.tags);
    let group = byTags.get(key);
    if (!group) byTags.set(key, (group = { tags: b.tags, points: [] }));
    group.points.push({ time: b.time, value: b.values[r.aggregate]! });
  }
  const out: TypedPoint[] = [];
  for (const { tags, points } of byTags.values()) {
    for (const d of groupByPeriod(points, "day", r.aggregate, timeZone)) {
      out.push({ series: dailySeries(prefix, r.series), time: d.start, value: d.value, ...(Object.keys(tags).length > 0 ? { tags } : {}) });
    }
  }
  return out;
}

/** Rolls up again the local day holding `time`, for every rollup, in one write. */
export async function rollUpDay(store: Store, prefix: string, rollups: readonly DayRollup[], timeZone: string, time: number): Promise<number> {
  const from = startOf("day", time, timeZone);
  const to = addUnits("day", from, 1, timeZone);
  const points: TypedPoint[] = [];
  for (const r of rollups) {
    await claim(store, prefix, r, timeZone);
    points.push(...(await days(store, prefix, r, timeZone, from, to)));
  }
  await store.writePoints(points);
  return from;
}

/** Days before the newest rollup that a start rolls up again: late writes into them while the runtime was away. */
const RECENT_DAYS = 7;

/**
 * Brings the rollups up to date at start: one already complete in this zone
 * is rolled up again from a week before its newest day on (what was written
 * while the runtime was away, late windows included); any other is built anew
 * from the whole series, then marked complete. Returns how many days were written.
 */
export async function catchUpDays(store: Store, prefix: string, rollups: readonly DayRollup[], timeZone: string): Promise<number> {
  let written = 0;
  for (const r of rollups) {
    const name = dailySeries(prefix, r.series);
    if (await ready(store, prefix, r, timeZone)) {
      const newest = await store.latest(name);
      const from = newest ? addUnits("day", startOf("day", newest.time, timeZone), -RECENT_DAYS, timeZone) : 0;
      const points = await days(store, prefix, r, timeZone, from, END);
      await store.writePoints(points);
      written += points.length;
      continue;
    }
    // Days of another zone (or aggregate) start at other instants: they go before the rebuild, and no query reads
    // them meanwhile. Rows of this zone stay (they are written over): a second runtime building at the same moment
    // (a cluster's first start) does not delete rows the first has just marked complete.
    const mark = await store.context.get<Mark>(MARK_SCOPE, name);
    if (mark && (mark.timeZone !== timeZone || mark.aggregate !== r.aggregate)) {
      await store.context.delete(MARK_SCOPE, name);
      await store.deleteOlderThan(name, END);
    }
    await store.context.set(MARK_SCOPE, name, { timeZone, aggregate: r.aggregate, building: true } satisfies Mark);
    const points = await days(store, prefix, r, timeZone, 0, END);
    await store.writePoints(points);
    await store.context.set(MARK_SCOPE, name, { timeZone, aggregate: r.aggregate } satisfies Mark);
    written += points.length;
  }
  return written;
}

/**
 * A day whose roll-up failed would stay wrong (a start only rolls up the last week again): the rollups stop
 * counting as complete, so queries answer from the series itself and the next start builds them anew.
 */
export async function forgetRollups(store: Store, prefix: string, rollups: readonly DayRollup[], timeZone: string): Promise<void> {
  for (const r of rollups) await store.context.set(MARK_SCOPE, dailySeries(prefix, r.series), { timeZone, aggregate: r.aggregate, building: true } satisfies Mark);
}

const dayAggregate = (reducer: Reducer): DayAggregate | undefined => (reducer === "sum" || reducer === "max" || reducer === "min" ? reducer : undefined);

/**
 * `calendar()` answered from daily rollups: the closed days from `<prefix>.<series>`,
 * today (still being written) from the series. Without a complete rollup in
 * this zone for this reducer, it is `calendar()` itself.
 */
export async function calendarFromDays(
  store: Store,
  prefix: string,
  o: { series: string; tags?: Tags; unit: CalendarUnit; count: number; reducer: Reducer; timeZone: string; now: number },
): Promise<PeriodValue[]> {
  const aggregate = dayAggregate(o.reducer);
  if (!aggregate || !(await ready(store, prefix, { series: o.series, aggregate }, o.timeZone))) return calendar(store, o);
  const currentStart = startOf(o.unit, o.now, o.timeZone);
  const from = addUnits(o.unit, currentStart, -(o.count - 1), o.timeZone);
  const to = addUnits(o.unit, currentStart, 1, o.timeZone);
  const today = startOf("day", o.now, o.timeZone);
  const tags = o.tags ? { tags: o.tags } : {};
  const closed = await store.range({ series: dailySeries(prefix, o.series), from, to: today, ...tags });
  const open = await preAggregated(store, { series: o.series, from: today, to, reducer: o.reducer, timeZone: o.timeZone, ...tags });
  return groupByPeriod([...closed, ...open], o.unit, o.reducer, o.timeZone).reverse();
}

/**
 * `lifetime()` answered from daily rollups: the closed days from the rollup of
 * `series`, the peak's day from the rollup of `peakSeries` (then its moment
 * from that one day of points), and today from the series themselves.
 */
export async function lifetimeFromDays(store: Store, prefix: string, o: { series: string; peakSeries?: string; tags?: Tags; timeZone: string; now: number }): Promise<Lifetime> {
  if (!(await ready(store, prefix, { series: o.series, aggregate: "sum" }, o.timeZone))) return lifetime(store, o);
  const today = startOf("day", o.now, o.timeZone);
  const tags = o.tags ? { tags: o.tags } : {};
  const closed = await store.range({ series: dailySeries(prefix, o.series), from: 0, to: today, ...tags });
  const open = await preAggregated(store, { series: o.series, from: today, to: END, reducer: "sum", timeZone: o.timeZone, ...tags });
  const byDay = groupByPeriod([...closed, ...open], "day", "sum", o.timeZone);
  return lifetimeOf(store, o, byDay, o.peakSeries ? await peakFromDays(store, prefix, o.peakSeries, o.timeZone, today, tags) : null);
}

async function peakFromDays(store: Store, prefix: string, series: string, timeZone: string, today: number, tags: { tags?: Tags }): Promise<Lifetime["peak"]> {
  let best: Lifetime["peak"] = null;
  const consider = (p: { time: number; value: number } | undefined): void => {
    // The earlier of equal peaks wins, as one pass over the whole series finds it.
    if (p && (best === null || p.value > best.value)) best = { value: p.value, at: p.time };
  };
  if (await ready(store, prefix, { series, aggregate: "max" }, timeZone)) {
    const day = await store.extreme({ series: dailySeries(prefix, series), from: 0, to: today, ...tags }, "max");
    // The moment comes from the day's own points; when they were pruned, the day's rollup still has the value.
    if (day) consider((await store.extreme({ series, from: day.time, to: addUnits("day", day.time, 1, timeZone), ...tags }, "max")) ?? day);
    consider(await store.extreme({ series, from: today, to: END, ...tags }, "max"));
  } else {
    consider(await store.extreme({ series, from: 0, to: END, ...tags }, "max"));
  }
  return best;
}
