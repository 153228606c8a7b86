import { Type } from "@wattflow/runtime";

/** The size limit every Wattflow ingress puts on untrusted text (1 MiB), for the parser nodes' `maxBytes`. */
export const DEFAULT_MAX_TEXT_BYTES = 1_048_576;

export const MaxBytes = Type.Integer({ minimum: 1, default: DEFAULT_MAX_TEXT_BYTES, description: "longest text parsed, in UTF-8 bytes" });

/**
 * A property's value as text to parse: a string, or a Buffer/byte array decoded as UTF-8.
 * Undefined when it is neither (the node then treats the value as something to build text from).
 * Throws when the text is over `maxBytes`, naming the property, before any parser sees it.
 */
export function textToParse(value: unknown, property: string, maxBytes: number): string | undefined {
  const isText = typeof value === "string";
  if (!isText && !(value instanceof Uint8Array)) return undefined;
  const bytes = isText ? Buffer.byteLength(value, "utf8") : value.byteLength;
  if (bytes > maxBytes) throw new TextTooLarge(`${property} is ${bytes} bytes, over the ${maxBytes}-byte limit (config "maxBytes")`);
  return isText ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8");
}

/** Input refused for its size (counted as rejected, not a parser failure). */
export class TextTooLarge extends Error {}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
