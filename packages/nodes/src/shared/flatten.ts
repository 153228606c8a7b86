/** Whether a field name is a plain dotted path (`temperature.inlet`), which can be read in place with getPath. */
export function isPlainDottedPath(field: string): boolean {
  return /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(field);
}

/** A value as numericLeaves stores it: a finite number, a boolean as 1 or 0; anything else is not a leaf. */
export function leafNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "boolean") return value ? 1 : 0;
  return undefined;
}

/** Numeric leaves of an object as dotted paths: `{pv_array: {power: 90}}` → `{"pv_array.power": 90}`. */
export function numericLeaves(value: unknown, prefix = "", out: Record<string, number> = {}): Record<string, number> {
  const leaf = leafNumber(value);
  if (leaf !== undefined) {
    out[prefix] = leaf;
  } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) numericLeaves(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/** Reads a message time: ms since the epoch, an ISO string, or now. */
export function timeOf(value: unknown, fallback = Date.now()): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
  }
  if (value instanceof Date) return value.getTime();
  return fallback;
}
