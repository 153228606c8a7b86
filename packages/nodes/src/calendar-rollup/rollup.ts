import { addUnits, isoInZone, localParts, periodKey, startOf } from "../shared/calendar.js";
import { splitSegmentWh, type PowerReading } from "../shared/energy.js";
import { addReading, emptyAcc, statOf, type Acc } from "../shared/stats.js";

export type RollupUnit = "hour" | "day" | "month";
export type RollupStat = "avg" | "min" | "max" | "sum" | "count" | "first" | "last" | "energy" | "energy_kwh";
export type PeriodFormat = "iso" | "local" | "date";

/** One reading: its time and the numeric values of the fields being rolled up (missing or non-numeric ones left out). */
export interface RollupReading {
  t: number;
  values: Record<string, number>;
}

/** A field's statistics in one period; its energy includes the parts of segments that cross into the period. */
export type FieldStats = Acc;

export interface Period {
  start: number;
  end: number;
  fields: Record<string, FieldStats>;
}

const HOUR_MS = 3_600_000;

/** Start of the local hour, day or month holding `t`. Hours start where the local clock shows :00, in any offset. */
export function periodStart(unit: RollupUnit, t: number, timeZone: string): number {
  if (unit !== "hour") return startOf(unit, t, timeZone);
  const p = localParts(t, timeZone);
  return t - p.minute * 60_000 - p.second * 1000 - (((t % 1000) + 1000) % 1000);
}

export function periodEnd(unit: RollupUnit, start: number, timeZone: string): number {
  return unit === "hour" ? start + HOUR_MS : addUnits(unit, start, 1, timeZone);
}

export function periodLabel(unit: RollupUnit, start: number, timeZone: string, format: PeriodFormat): string {
  if (format === "iso") return new Date(start).toISOString();
  if (format === "local") return isoInZone(start, timeZone);
  if (unit !== "hour") return periodKey(unit, start, timeZone);
  return `${periodKey("day", start, timeZone)}T${String(localParts(start, timeZone).hour).padStart(2, "0")}:00`;
}

/**
 * Groups readings into calendar periods and integrates each field as power.
 * A segment between two readings is split where it crosses a period boundary,
 * so the periods' energies add up to the whole range's energy.
 */
export function rollup(readings: readonly RollupReading[], fields: readonly string[], unit: RollupUnit, timeZone: string, maxGapMs: number): Period[] {
  const sorted = [...readings].sort((a, b) => a.t - b.t);
  const periods = new Map<number, Period>();
  const periodAt = (t: number): Period => {
    const start = periodStart(unit, t, timeZone);
    let p = periods.get(start);
    if (!p) periods.set(start, (p = { start, end: periodEnd(unit, start, timeZone), fields: {} }));
    return p;
  };
  const statsOf = (t: number, field: string): FieldStats => (periodAt(t).fields[field] ??= emptyAcc());
  const nextBoundary = (t: number): number => periodEnd(unit, periodStart(unit, t, timeZone), timeZone);

  for (const field of fields) {
    let prev: PowerReading | undefined;
    for (const r of sorted) {
      const v = r.values[field];
      if (v === undefined) continue;
      // Energy is left out here (no previous reading given): the segment is split across periods below.
      addReading(statsOf(r.t, field), r.t, v, undefined, maxGapMs);
      const here = { t: r.t, v };
      if (prev) splitSegmentWh(prev, here, maxGapMs, nextBoundary, (partStart, wh) => (statsOf(partStart, field).energy += wh));
      prev = here;
    }
  }
  return [...periods.values()].sort((a, b) => a.start - b.start);
}

export function statValue(s: FieldStats | undefined, stat: RollupStat): number | null {
  const f = s ?? emptyAcc();
  return stat === "energy_kwh" ? f.energy / 1000 : statOf(f, stat);
}
