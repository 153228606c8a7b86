/** Turns one framed line into a payload, or a reason a person can act on. */
import { DEFAULT_MAX_JSON_DEPTH, parseUntrustedJson, type RefusalKind } from "@wattflow/runtime";

export type LineFormat = "json" | "text";

export type Decoded = { kind: "value"; value: unknown } | { kind: "blank" } | { kind: "invalid"; refusal: RefusalKind; reason: string };

// Fatal: a sensor sending Latin-1 or garbage should be told so, not get U+FFFD silently in its data.
const strict = new TextDecoder("utf-8", { fatal: true });
// Only for showing what arrived when the strict decoder refused it.
const lenient = new TextDecoder("utf-8");

const PREVIEW_CHARS = 80;

/** The start of a line, quoted and escaped so control characters cannot break a log line. */
export function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${JSON.stringify(text.slice(0, PREVIEW_CHARS))}…` : JSON.stringify(text);
}

const isBlank = (text: string): boolean => text.trim().length === 0;

export function decodeLine(bytes: Uint8Array, format: LineFormat, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): Decoded {
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    return { kind: "invalid", refusal: "invalid-utf8", reason: `is not valid UTF-8 (${bytes.length} bytes): ${preview(lenient.decode(bytes.subarray(0, PREVIEW_CHARS * 4)))}` };
  }
  // Blank lines (keep-alives, a trailing newline) carry no reading.
  if (isBlank(text)) return { kind: "blank" };
  if (format === "text") return { kind: "value", value: text };
  const parsed = parseUntrustedJson(text, maxDepth);
  if (parsed.ok) return { kind: "value", value: parsed.value };
  return { kind: "invalid", refusal: parsed.kind, reason: parsed.kind === "too-deep" ? parsed.reason : `${parsed.reason}: ${preview(text)}` };
}
