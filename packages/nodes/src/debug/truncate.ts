const MAX_STRING = 1000;
const MAX_ITEMS = 100;
const MAX_DEPTH = 8;

/** A display copy that cannot flood the editor: long strings, arrays and deep objects are cut, with a note. */
export function truncateForDisplay(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… (${value.length} chars)` : value;
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? `[… ${value.length} items]` : "{…}";
  if (Array.isArray(value)) {
    const head = value.slice(0, MAX_ITEMS).map((v) => truncateForDisplay(v, depth + 1));
    return value.length > MAX_ITEMS ? [...head, `… ${value.length - MAX_ITEMS} more`] : head;
  }
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // A parsed "__proto__" key is shown as data; assigning it would set the copy's prototype.
    if (k === "__proto__") Object.defineProperty(out, k, { value: truncateForDisplay(v, depth + 1), enumerable: true, writable: true, configurable: true });
    else out[k] = truncateForDisplay(v, depth + 1);
  }
  return out;
}
