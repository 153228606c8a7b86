import { timeOf } from "../shared/flatten.js";

const ZERO = 48;

/** Where the date and time of the usual shape have their digits. */
const DIGITS_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

const isDigit = (text: string, at: number): boolean => {
  const c = text.charCodeAt(at);
  return c >= ZERO && c <= ZERO + 9;
};

/**
 * Where the zone starts when `text` has the usual shape of a reading's time, `2026-11-01T00:00:00Z`,
 * `…00:00:00.123Z` (1 to 3 fraction digits), `…00:00:00+01:00`; -1 otherwise. Checked character by character:
 * a regular expression costs more than the rest of the reading, once per message.
 */
function commonIsoZone(text: string): number {
  const n = text.length;
  if (n < 20 || n > 29) return -1;
  for (let i = 0; i < DIGITS_AT.length; i++) if (!isDigit(text, DIGITS_AT[i]!)) return -1;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 /* T */ || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return -1;
  let at = 19;
  if (text.charCodeAt(at) === 46 /* . */) {
    const from = ++at;
    while (at < n && isDigit(text, at)) at++;
    if (at === from || at - from > 3) return -1;
  }
  const zone = text.charCodeAt(at);
  if (zone === 90 /* Z */) return at + 1 === n ? at : -1;
  if ((zone !== 43 && zone !== 45) || at + 6 !== n) return -1;
  return isDigit(text, at + 1) && isDigit(text, at + 2) && text.charCodeAt(at + 3) === 58 && isDigit(text, at + 4) && isDigit(text, at + 5) ? at : -1;
}
const DAY_MS = 86_400_000;

const digits2 = (text: string, at: number): number => (text.charCodeAt(at) - ZERO) * 10 + text.charCodeAt(at + 1) - ZERO;

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (month 1–12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * A reading's time in ms, as `timeOf` reads it (ms since the epoch, an ISO string, now when missing), with
 * the usual ISO shape read digit by digit: `Date.parse` costs several times as much, once per message. Only
 * text that is plainly valid takes the quick way (the same ms as `Date.parse`); anything else (other shapes,
 * out-of-range fields, hour 24) is left to `timeOf`.
 */
export function readingTime(value: unknown): number {
  if (typeof value === "string" && commonIsoZone(value) > 0) {
    const year = digits2(value, 0) * 100 + digits2(value, 2);
    const month = digits2(value, 5);
    const day = digits2(value, 8);
    const hour = digits2(value, 11);
    const minute = digits2(value, 14);
    const second = digits2(value, 17);
    let at = 19;
    let ms = 0;
    if (value.charCodeAt(at) === 46 /* . */) {
      let scale = 100;
      for (at += 1; value.charCodeAt(at) >= ZERO && value.charCodeAt(at) <= ZERO + 9; at++, scale /= 10) ms += (value.charCodeAt(at) - ZERO) * scale;
    }
    let offsetMinutes = 0;
    let zoneOk = true;
    if (value.charCodeAt(at) !== 90 /* Z */) {
      const zoneHours = digits2(value, at + 1);
      const zoneMinutes = digits2(value, at + 4);
      zoneOk = zoneHours <= 23 && zoneMinutes <= 59;
      offsetMinutes = (value.charCodeAt(at) === 45 /* - */ ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
    }
    if (zoneOk && year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59) {
      return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms;
    }
  }
  return timeOf(value);
}
