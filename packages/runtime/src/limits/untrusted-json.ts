/**
 * One decoder for JSON that arrives from outside (MQTT payloads, TCP lines,
 * HTTP bodies): bounded in size and in nesting depth, strict about UTF-8.
 *
 * Depth is checked before `JSON.parse` with one pass over the brackets that
 * stand outside strings: a document nested thousands deep is refused before
 * anything (the parser, a freezer, a node walking the value) recurses into it.
 *
 * `JSON.parse` turns a `"__proto__"` key into an ordinary own property, which
 * is kept as data; the runtime's copy and path helpers keep it an own
 * property too, so it never becomes an object's prototype.
 */

/** Nesting allowed by default: far beyond any telemetry document, far below any stack limit. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

export type RefusalKind = "too-large" | "invalid-utf8" | "invalid-json" | "too-deep";

/** `reason` completes a sentence whose subject is the caller's: "payload ", "line 3 ", "request body ". */
export type UntrustedJson = { ok: true; value: unknown } | { ok: false; kind: RefusalKind; reason: string };

export interface UntrustedJsonLimits {
  /** Largest accepted input in bytes. */
  maxBytes: number;
  /** Deepest accepted nesting of arrays and objects (default 64). */
  maxDepth?: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The bytes as text, or undefined when they are not valid UTF-8 (no replacement characters). */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`. Strings
 * are skipped whole (brackets inside them do not count); malformed text is
 * left for the parser to refuse. Linear in the text's length.
 */
export function jsonNestsDeeperThan(text: string, maxDepth: number): boolean {
  const n = text.length;
  // Every level needs an opening bracket, so short text cannot be too deep.
  if (n <= maxDepth) return false;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = text.indexOf('"', i + 1);
      // A quote preceded by an odd run of backslashes is escaped: look further.
      while (end !== -1) {
        let slashes = 0;
        for (let k = end - 1; text.charCodeAt(k) === BACKSLASH; k--) slashes++;
        if ((slashes & 1) === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return false;
      i = end;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth -= 1;
    }
  }
  return false;
}

/** Parses JSON text within a nesting limit. */
export function parseUntrustedJson(text: string, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): UntrustedJson {
  if (jsonNestsDeeperThan(text, maxDepth)) return { ok: false, kind: "too-deep", reason: `nests deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, kind: "invalid-json", reason: `is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** Size, then UTF-8, then depth, then syntax: the cheapest refusal first. */
export function decodeUntrustedJson(bytes: Uint8Array, limits: UntrustedJsonLimits): UntrustedJson {
  if (bytes.length > limits.maxBytes) return { ok: false, kind: "too-large", reason: `is ${bytes.length} bytes, over the ${limits.maxBytes}-byte limit` };
  const text = decodeUtf8Strict(bytes);
  if (text === undefined) return { ok: false, kind: "invalid-utf8", reason: "is not valid UTF-8" };
  return parseUntrustedJson(text, limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH);
}
