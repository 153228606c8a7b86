import type { PointValue, Store, Tags } from "@wattflow/runtime";
import { addUnits, localParts, periodKey, startOf, type CalendarUnit } from "../shared/calendar.js";

export type Reducer = "sum" | "max" | "min" | "avg" | "count" | "first" | "last";

export interface PeriodValue {
  period: string;
  start: number;
  value: number;
  /** For max/min: when it happened. */
  at?: number;
}

function reduce(values: { time: number; value: number }[], how: Reducer): { value: number; at?: number } {
  switch (how) {
    case "sum":
      return { value: values.reduce((a, p) => a + p.value, 0) };
    case "count":
      return { value: values.length };
    case "avg":
      return { value: values.reduce((a, p) => a + p.value, 0) / values.length };
    case "first":
      return { value: values[0]!.value, at: values[0]!.time };
    case "last":
      return { value: values[values.length - 1]!.value, at: values[values.length - 1]!.time };
    case "max":
    case "min": {
      let best = values[0]!;
      for (const p of values) if (how === "max" ? p.value > best.value : p.value < best.value) best = p;
      return { value: best.value, at: best.time };
    }
  }
}

/** Points of a series (oldest first) grouped into local calendar periods, oldest first. */
export function groupByPeriod(points: { time: number; value: number }[], unit: CalendarUnit, how: Reducer, timeZone: string): PeriodValue[] {
  const out: PeriodValue[] = [];
  let start = 0;
  let end = -Infinity;
  let period = "";
  let values: { time: number; value: number }[] = [];
  const close = (): void => {
    if (values.length > 0) out.push({ period, start, ...reduce(values, how) });
  };
  // Time-zone arithmetic is costly (Intl); it runs once per period, not once per point.
  for (const p of points) {
    if (p.time >= end || p.time < start) {
      close();
      start = startOf(unit, p.time, timeZone);
      end = addUnits(unit, start, 1, timeZone);
      period = periodKey(unit, p.time, timeZone);
      values = [];
    }
    values.push(p);
  }
  close();
  // Merge groups of the same period (points given out of order).
  const merged = new Map<string, PeriodValue>();
  for (const g of out) {
    const have = merged.get(g.period);
    if (!have) merged.set(g.period, g);
    else if (how === "sum" || how === "count") have.value += g.value;
    else if ((how === "max" && g.value > have.value) || (how === "min" && g.value < have.value)) Object.assign(have, { value: g.value, at: g.at });
  }
  return [...merged.values()].sort((a, b) => a.start - b.start);
}

const HOUR = 3_600_000;
const QUARTER = 900_000;

/**
 * Width of pre-aggregation buckets that never straddle a local day: an hour
 * where the zone's offset is whole hours, else a quarter hour (India, Nepal).
 */
export function alignedBucket(timeZone: string, around: number): number {
  for (const t of [around, around - 182 * 86_400_000]) {
    const p = localParts(t, timeZone);
    const offset = (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000) / 60_000;
    if (offset % 60 !== 0) return QUARTER;
  }
  return HOUR;
}

/**
 * Points reduced per aligned bucket in SQL first, so a year of data reaches
 * JavaScript as ~9,000 rows instead of millions of readings.
 */
export async function preAggregated(store: Store, o: { series: string; tags?: Tags; from: number; to: number; reducer: Reducer; timeZone: string }): Promise<{ time: number; value: number }[]> {
  if (o.reducer === "avg" || o.reducer === "first" || o.reducer === "last") {
    return store.range({ series: o.series, from: o.from, to: o.to, ...(o.tags ? { tags: o.tags } : {}) });
  }
  const agg = o.reducer === "count" ? "count" : o.reducer;
  const buckets = await store.buckets({ series: o.series, from: o.from, to: o.to, every: alignedBucket(o.timeZone, Math.min(o.to, Date.now())), aggregates: [agg], ...(o.tags ? { tags: o.tags } : {}) });
  return buckets.map((b) => ({ time: b.time, value: b.values[agg]! }));
}

/** The last `count` calendar periods up to `now`, newest first, with periods that have no data left out. */
export async function calendar(store: Store, o: { series: string; tags?: Tags; unit: CalendarUnit; count: number; reducer: Reducer; timeZone: string; now: number }): Promise<PeriodValue[]> {
  const currentStart = startOf(o.unit, o.now, o.timeZone);
  const from = addUnits(o.unit, currentStart, -(o.count - 1), o.timeZone);
  const to = addUnits(o.unit, currentStart, 1, o.timeZone);
  const points = await preAggregated(store, { series: o.series, from, to, reducer: o.reducer, timeZone: o.timeZone, ...(o.tags ? { tags: o.tags } : {}) });
  // Per-bucket counts add up to per-period counts.
  return groupByPeriod(points, o.unit, o.reducer === "count" ? "sum" : o.reducer, o.timeZone).reverse();
}

export interface Lifetime {
  total: number;
  peak: { value: number; at: number } | null;
  bestDay: PeriodValue | null;
  bestMonth: PeriodValue | null;
  firstTime: number | null;
  lastTime: number | null;
  days: number;
}

/** Whole-history figures of a series: total, the peak (of `peakSeries`), best day and month by total. */
export async function lifetime(store: Store, o: { series: string; peakSeries?: string; tags?: Tags; timeZone: string }): Promise<Lifetime> {
  const all = await preAggregated(store, { series: o.series, from: 0, to: Number.MAX_SAFE_INTEGER, reducer: "sum", timeZone: o.timeZone, ...(o.tags ? { tags: o.tags } : {}) });
  let peak: Lifetime["peak"] = null;
  if (o.peakSeries) {
    const p = await store.extreme({ series: o.peakSeries, from: 0, to: Number.MAX_SAFE_INTEGER, ...(o.tags ? { tags: o.tags } : {}) }, "max");
    if (p) peak = { value: p.value, at: p.time };
  }
  return lifetimeOf(store, o, groupByPeriod(all, "day", "sum", o.timeZone), peak);
}

/** The lifetime figures from a series' local days (oldest first, each its total) and its peak. */
export async function lifetimeOf(store: Store, o: { series: string; tags?: Tags; timeZone: string }, days: PeriodValue[], peak: Lifetime["peak"]): Promise<Lifetime> {
  const months = groupByPeriod(days.map((d) => ({ time: d.start, value: d.value })), "month", "sum", o.timeZone);
  const best = (xs: PeriodValue[]): PeriodValue | null => xs.reduce<PeriodValue | null>((b, x) => (b === null || x.value > b.value ? x : b), null);
  const first = (await store.range({ series: o.series, from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1, ...(o.tags ? { tags: o.tags } : {}) }))[0];
  const last = (await store.range({ series: o.series, from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1, order: "desc", ...(o.tags ? { tags: o.tags } : {}) }))[0];
  return {
    total: days.reduce((a, d) => a + d.value, 0),
    peak,
    bestDay: best(days),
    bestMonth: best(months),
    firstTime: first?.time ?? null,
    lastTime: last?.time ?? null,
    days: days.length,
  };
}

/** Latest value (of any type) of every series under a prefix: `{ time, fields: { "pv_array.power": 90.9, "mode": "float" } }`. */
export async function latestUnder(store: Store, prefix: string, tags?: Tags): Promise<{ time: number | null; fields: Record<string, PointValue> }> {
  const fields: Record<string, PointValue> = {};
  let time: number | null = null;
  const dotted = prefix.endsWith(".") ? prefix : `${prefix}.`;
  for (const name of new Set((await store.seriesNames(dotted)).map((s) => s.series))) {
    const p = await store.latestValue(name, tags);
    if (!p) continue;
    fields[name.slice(dotted.length)] = p.value;
    if (time === null || p.time > time) time = p.time;
  }
  return { time, fields };
}

/** Averages of every series under a prefix per time bucket: `[{ time, fields }]`, oldest first. */
export async function bucketsUnder(store: Store, o: { prefix: string; from: number; to: number; every: number; reducer: "avg" | "max" | "min" | "sum" | "last"; tags?: Tags }): Promise<{ time: number; fields: Record<string, number> }[]> {
  const dotted = o.prefix.endsWith(".") ? o.prefix : `${o.prefix}.`;
  const rows = new Map<number, Record<string, number>>();
  for (const name of new Set((await store.seriesNames(dotted)).map((s) => s.series))) {
    for (const b of await store.buckets({ series: name, from: o.from, to: o.to, every: o.every, aggregates: [o.reducer], ...(o.tags ? { tags: o.tags } : {}) })) {
      let row = rows.get(b.time);
      if (!row) rows.set(b.time, (row = {}));
      row[name.slice(dotted.length)] = b.values[o.reducer]!;
    }
  }
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([time, fields]) => ({ time, fields }));
}

export interface Row {
  time: number;
  tags: Tags;
  fields: Record<string, PointValue>;
}

/**
 * Every series under a prefix between two times, joined into rows by time
 * and tag set (one row per stored reading), newest first unless `order` is
 * asc; `total` counts all rows, `rows` is the page asked for.
 */
export async function rowsUnder(
  store: Store,
  o: { prefix: string; from: number; to: number; tags?: Tags; offset: number; limit: number; order: "asc" | "desc" },
): Promise<{ total: number; rows: Row[] }> {
  const dotted = o.prefix.endsWith(".") ? o.prefix : `${o.prefix}.`;
  const rows = new Map<string, Row>();
  for (const name of new Set((await store.seriesNames(dotted)).map((s) => s.series))) {
    for (const p of await store.rangeValues({ series: name, from: o.from, to: o.to, ...(o.tags ? { tags: o.tags } : {}) })) {
      const tags = p.tags ?? {};
      const key = `${p.time}\u0000${JSON.stringify(tags)}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { time: p.time, tags, fields: {} }));
      row.fields[name.slice(dotted.length)] = p.value;
    }
  }
  const all = [...rows.values()].sort((a, b) => (o.order === "asc" ? a.time - b.time : b.time - a.time));
  return { total: all.length, rows: all.slice(o.offset, o.offset + o.limit) };
}

export type { CalendarUnit };
