import { STORE_LIMITS, type PointValue } from "@wattflow/runtime";
import { leafNumber } from "../shared/flatten.js";

/** What store-write keeps: every type (`typed`), or numbers only with booleans as 1 and 0 (`numbers`, as before typed values). */
export type ValueMode = "typed" | "numbers";

/** Why a value is not stored although it is a reading: its JSON is longer than the store keeps. */
export const TOO_BIG = Symbol("too big");

/**
 * A message value as a point value: numbers, booleans and strings; a JSON
 * object or array only for a field named in `fields` (`named`). Undefined
 * for what is no reading (null, missing, NaN, an object in every-leaf mode).
 */
export function pointValue(value: unknown, mode: ValueMode, named: boolean): PointValue | typeof TOO_BIG | undefined {
  if (mode === "numbers") return leafNumber(value);
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? value : undefined;
    case "boolean":
      return value;
    case "string":
      // Quotes and escapes count: the limit is on the stored JSON.
      return value.length + 2 > STORE_LIMITS.valueBytes && JSON.stringify(value).length > STORE_LIMITS.valueBytes ? TOO_BIG : value;
    case "object": {
      if (!named || value === null) return undefined;
      const text = JSON.stringify(value);
      return text.length > STORE_LIMITS.valueBytes ? TOO_BIG : (JSON.parse(text) as PointValue);
    }
    default:
      return undefined;
  }
}

/**
 * The leaves of an object as dotted paths (`{pv_array: {power: 90}}` →
 * `{"pv_array.power": 90}`): numbers, booleans and strings in typed mode,
 * numbers (booleans as 1/0) otherwise. Arrays are not walked.
 */
export function leaves(value: unknown, mode: ValueMode, prefix = "", out: Record<string, PointValue | typeof TOO_BIG> = {}): Record<string, PointValue | typeof TOO_BIG> {
  if (value !== null && typeof value === "object") {
    if (!Array.isArray(value)) for (const [k, v] of Object.entries(value)) leaves(v, mode, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  const leaf = pointValue(value, mode, false);
  if (leaf !== undefined) out[prefix] = leaf;
  return out;
}
