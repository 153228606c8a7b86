import { DEFAULT_MAX_JSON_DEPTH, decodeUtf8Strict, jsonNestsDeeperThan, type RefusalKind } from "@wattflow/runtime";

/** How `mqtt-in` turns a payload's bytes into `msg.payload`. */
export type PayloadFormat = "auto" | "json" | "text" | "bytes";

export type Decoded = { ok: true; value: unknown } | { ok: false; kind: RefusalKind; reason: string };

/** Bytes are checked for size, then UTF-8, then (for JSON) nesting depth, before anything parses them. */
export function decodePayload(bytes: Uint8Array, format: PayloadFormat, maxBytes: number, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): Decoded {
  if (bytes.length > maxBytes) return { ok: false, kind: "too-large", reason: `payload is ${bytes.length} bytes, over the ${maxBytes}-byte limit` };
  if (format === "bytes") return { ok: true, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) };
  const text = decodeUtf8Strict(bytes);
  if (text === undefined) return { ok: false, kind: "invalid-utf8", reason: "payload is not valid UTF-8" };
  if (format === "text") return { ok: true, value: text };
  // Checked first in auto mode too: text that nests this deep is no status word.
  if (mayNestDeeperThan(text, maxDepth) && jsonNestsDeeperThan(text, maxDepth)) return { ok: false, kind: "too-deep", reason: `payload nests deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    // auto: a payload that does not look like JSON is plain text (a status word, a number with a unit)
    if (format === "auto" && !looksLikeJson(text)) return { ok: true, value: text };
    return { ok: false, kind: "invalid-json", reason: `payload is not JSON (${err instanceof Error ? err.message : String(err)}): ${preview(text)}` };
  }
}

/**
 * False when the text holds no more than `maxDepth` opening brackets in all: then it cannot nest deeper,
 * whatever the strings in it, and the full scan is spared (a reading has one or two). Counted with
 * `indexOf`, which is far cheaper than walking the text character by character.
 */
function mayNestDeeperThan(text: string, maxDepth: number): boolean {
  let count = 0;
  for (let i = text.indexOf("{"); i !== -1; i = text.indexOf("{", i + 1)) if (++count > maxDepth) return true;
  for (let i = text.indexOf("["); i !== -1; i = text.indexOf("[", i + 1)) if (++count > maxDepth) return true;
  return false;
}

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === "{" || first === "[" || first === '"';
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}

/** What `mqtt-out` publishes: bytes as they are, strings as UTF-8, everything else as JSON. */
export function encodePayload(value: unknown): Buffer | string {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  return JSON.stringify(value);
}
