import { STORE_LIMITS, type PointValue, type Tags, type TypedPoint } from "./types.js";

/** The JS Date range (ms either side of the epoch): a time outside it is no time at all. */
export const MAX_TIME_MS = 8.64e15;

/**
 * How far ahead of the clock a point may be. PostgreSQL keeps points in one
 * partition (a table) per day, so a device with a wild clock would otherwise
 * create a table per distinct day it sends, and retention, which drops the
 * past, would never drop those. SQLite refuses the same points, so a flow
 * behaves alike on either backend.
 */
export const MAX_FUTURE_MS = 7 * 86_400_000;

/** NUL: SQLite keeps it, PostgreSQL text and jsonb cannot, so neither backend takes it. */
export function hasNul(text: string): boolean {
  return text.includes("\u0000");
}

/** Whether a JSON-able value holds a NUL in any string or key. */
export function jsonHasNul(value: unknown): boolean {
  if (typeof value === "string") return hasNul(value);
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some(jsonHasNul);
  for (const k in value as Record<string, unknown>) if (hasNul(k) || jsonHasNul((value as Record<string, unknown>)[k])) return true;
  return false;
}

/** Fails unless a point's time is a finite number of ms inside the Date range and at most a week ahead of `now`. */
export function checkPointTime(p: Pick<TypedPoint, "series" | "time">, now: number): void {
  const t = p.time;
  if (typeof t !== "number" || !Number.isFinite(t) || Math.abs(t) > MAX_TIME_MS) {
    throw new Error(`series ${shown(p.series)}: time ${String(t)} is not a time (a finite number of ms since the epoch, at most ±${MAX_TIME_MS})`);
  }
  if (t > now + MAX_FUTURE_MS) {
    throw new Error(`series ${shown(p.series)}: time ${new Date(t).toISOString()} is more than 7 days ahead of the clock (${new Date(now).toISOString()})`);
  }
}

/** A name fit for an error message: long ones are cut, with their length said, and NUL shown as `\0`. */
export function shown(text: string): string {
  const clean = text.replace(/\u0000/g, "\\0");
  return clean.length <= 80 ? `"${clean}"` : `"${clean.slice(0, 60)}…" (${clean.length} characters)`;
}

/** Refuses names no one should have to page through: they come from untrusted keys, not from a flow author. */
export function checkSeriesLimits(name: string, tags: Tags | undefined): void {
  if (name.length === 0) throw new Error("a series name cannot be empty");
  if (name.length > STORE_LIMITS.seriesName) throw new Error(`series ${shown(name)}: the name is longer than ${STORE_LIMITS.seriesName} characters`);
  if (hasNul(name)) throw new Error(`series ${shown(name)}: the name holds a NUL character (\\0)`);
  for (const k in tags) {
    if (k.length > STORE_LIMITS.tagName) throw new Error(`series ${shown(name)}: tag name ${shown(k)} is longer than ${STORE_LIMITS.tagName} characters`);
    if (hasNul(k)) throw new Error(`series ${shown(name)}: tag name ${shown(k)} holds a NUL character (\\0)`);
    const v = String(tags[k]);
    if (v.length > STORE_LIMITS.tagValue) throw new Error(`series ${shown(name)}: tag ${k} value ${shown(v)} is longer than ${STORE_LIMITS.tagValue} characters`);
    if (hasNul(v)) throw new Error(`series ${shown(name)}: tag ${shown(k)} value ${shown(v)} holds a NUL character (\\0)`);
  }
}

/** A non-numeric value as stored (JSON text); undefined for null and undefined, which are not readings. */
export function encodeValue(series: string, value: PointValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error(`series ${shown(series)}: a ${typeof value} cannot be stored`);
  if (text.length > STORE_LIMITS.valueBytes) throw new Error(`series ${shown(series)}: the value is ${text.length} characters of JSON; the store keeps at most ${STORE_LIMITS.valueBytes}`);
  // JSON escapes NUL as \u0000; a value without it has no NUL to look for (the usual case, checked once).
  if (text.includes("\\u0000") && jsonHasNul(value)) throw new Error(`series ${shown(series)}: the value holds a NUL character (\\0)`);
  return text;
}

/**
 * Everything the store would refuse about one point, checked the way both
 * backends check it: a caller batching points of many messages checks each
 * message first, so one bad message fails alone.
 */
export function checkPoint(p: TypedPoint, now: number = Date.now()): void {
  checkPointTime(p, now);
  checkSeriesLimits(p.series, p.tags);
  if (typeof p.value !== "number") encodeValue(p.series, p.value);
}
