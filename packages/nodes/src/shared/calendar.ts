/**
 * Wall-clock arithmetic in an IANA time zone, with Intl (no extra library):
 * local midnight, month and year starts that move with daylight saving time.
 */
import { isUtcZone } from "@wattflow/runtime";

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether a zone is UTC, answered without Intl (see `isUtcZone`). */
export const isUtc = isUtcZone;

export function isTimeZone(name: string): boolean {
  if (isUtc(name)) return true;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The UTC instant a wall-clock reading names as if it were UTC. Date.UTC reads years 0–99 as 1900–1999;
 * setUTCFullYear takes the year as given, so every year keeps its own calendar (month and day overflow as in Date.UTC).
 */
function wallClockUtc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

function intlParts(ms: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== "literal") out[p.type] = Number(p.value);
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour!, minute: out.minute!, second: out.second! };
}

/**
 * The zone's offset (ms) at an instant. Intl is slow (microseconds a call)
 * and offsets only change on quarter-hour boundaries, so offsets are cached
 * per zone and quarter hour: calendar grouping of a year then costs little.
 */
const offsets = new Map<string, Map<number, number>>();
const QUARTER_HOUR = 900_000;

function offsetAt(ms: number, timeZone: string): number {
  let cache = offsets.get(timeZone);
  if (!cache) {
    if (isUtc(timeZone)) return 0;
    offsets.set(timeZone, (cache = new Map()));
  }
  const slot = Math.floor(ms / QUARTER_HOUR);
  let offset = cache.get(slot);
  if (offset === undefined) {
    const at = slot * QUARTER_HOUR;
    const p = intlParts(at, timeZone);
    offset = wallClockUtc(p.year, p.month, p.day, p.hour, p.minute, p.second) - at;
    if (cache.size > 200_000) cache.clear();
    cache.set(slot, offset);
  }
  return offset;
}

export function localParts(ms: number, timeZone: string): LocalParts {
  const d = new Date(ms + offsetAt(ms, timeZone));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

/** The UTC instant of a local wall-clock time (the earlier one when a DST change repeats it). */
export function zonedToUtc(p: LocalParts, timeZone: string): number {
  const asUtc = wallClockUtc(p.year, p.month, p.day, p.hour, p.minute, p.second);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const seen = localParts(guess, timeZone);
    const diff = asUtc - wallClockUtc(seen.year, seen.month, seen.day, seen.hour, seen.minute, seen.second);
    if (diff === 0) break;
    guess += diff;
  }
  return guess;
}

export type CalendarUnit = "day" | "month" | "year";

export function startOf(unit: CalendarUnit, ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return zonedToUtc({ year: p.year, month: unit === "year" ? 1 : p.month, day: unit === "day" ? p.day : 1, hour: 0, minute: 0, second: 0 }, timeZone);
}

/** Start of the calendar period `n` units after the one starting at `start` (n may be negative). */
export function addUnits(unit: CalendarUnit, start: number, n: number, timeZone: string): number {
  const p = localParts(start, timeZone);
  const d = new Date(wallClockUtc(p.year + (unit === "year" ? n : 0), p.month + (unit === "month" ? n : 0), p.day + (unit === "day" ? n : 0)));
  return zonedToUtc({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: unit === "day" ? d.getUTCDate() : 1, hour: 0, minute: 0, second: 0 }, timeZone);
}

const pad = (n: number): string => String(n).padStart(2, "0");
/** ISO 8601 writes years with at least four digits ("0050"). */
const year4 = (n: number): string => String(n).padStart(4, "0");

/** `2025-04-20`, `2025-04` or `2025` for the local period holding `ms`. */
export function periodKey(unit: CalendarUnit, ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  if (unit === "year") return year4(p.year);
  if (unit === "month") return `${year4(p.year)}-${pad(p.month)}`;
  return `${year4(p.year)}-${pad(p.month)}-${pad(p.day)}`;
}

/** ISO 8601 with the zone's offset, e.g. `2025-04-20T18:23:42.428+02:00`. */
export function isoInZone(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  const offsetMin = Math.round((wallClockUtc(p.year, p.month, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000) / 60000);
  const sign = offsetMin >= 0 ? "+" : "-";
  const abs = Math.abs(offsetMin);
  const frac = String(((ms % 1000) + 1000) % 1000).padStart(3, "0");
  return `${year4(p.year)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${frac}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
