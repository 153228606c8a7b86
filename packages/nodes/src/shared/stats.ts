import { segmentWh } from "./energy.js";

/** Running statistics of one field over a pane or a period: enough to combine them without keeping readings. */
export interface Acc {
  count: number;
  sum: number;
  min: number;
  max: number;
  first: number;
  firstT: number;
  last: number;
  lastT: number;
  /** Watt-hours by the trapezoid rule (value taken as watts). */
  energy: number;
}

export type Stat = "avg" | "min" | "max" | "sum" | "count" | "first" | "last" | "energy";

export function emptyAcc(): Acc {
  return { count: 0, sum: 0, min: Infinity, max: -Infinity, first: 0, firstT: Infinity, last: 0, lastT: -Infinity, energy: 0 };
}

/**
 * Adds a reading. `prev` is the field's previous reading (possibly from an
 * earlier pane): the segment from it counts toward energy unless the gap is
 * longer than `maxGapMs`, so no energy is invented across an outage.
 */
export function addReading(acc: Acc, t: number, v: number, prev: { t: number; v: number } | undefined, maxGapMs: number): void {
  acc.count += 1;
  acc.sum += v;
  if (v < acc.min) acc.min = v;
  if (v > acc.max) acc.max = v;
  if (t < acc.firstT) {
    acc.firstT = t;
    acc.first = v;
  }
  if (t >= acc.lastT) {
    acc.lastT = t;
    acc.last = v;
  }
  if (prev) acc.energy += segmentWh(prev, { t, v }, maxGapMs);
}

export function combine(accs: Acc[]): Acc {
  const out = emptyAcc();
  for (const a of accs) {
    if (a.count === 0) continue;
    out.count += a.count;
    out.sum += a.sum;
    out.min = Math.min(out.min, a.min);
    out.max = Math.max(out.max, a.max);
    if (a.firstT < out.firstT) {
      out.firstT = a.firstT;
      out.first = a.first;
    }
    if (a.lastT >= out.lastT) {
      out.lastT = a.lastT;
      out.last = a.last;
    }
    out.energy += a.energy;
  }
  return out;
}

export function statOf(acc: Acc, stat: Stat): number | null {
  // Energy can reach a period without a reading of its own (a segment crossing it), so it is read even then.
  if (stat === "energy") return acc.energy;
  if (acc.count === 0) return stat === "count" || stat === "sum" ? 0 : null;
  switch (stat) {
    case "avg":
      return acc.sum / acc.count;
    case "min":
      return acc.min;
    case "max":
      return acc.max;
    case "sum":
      return acc.sum;
    case "count":
      return acc.count;
    case "first":
      return acc.first;
    case "last":
      return acc.last;
  }
}
