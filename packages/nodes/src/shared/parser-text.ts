import { getPath, parsePath, setPath, Type, type NodeBehaviour, type NodeHandle } from "@wattflow/runtime";

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

/** The json and yaml nodes' `action`: which way they convert. */
export const ConvertAction = Type.Union([Type.Literal("toggle"), Type.Literal("parse"), Type.Literal("stringify")], {
  default: "toggle",
  description: "toggle: text is parsed, anything else stringified; parse: only parse (a value passes unchanged); stringify: only stringify (text passes unchanged)",
});

/** Input refused by a format's own limit (too deep, too many aliases): the message is said after the property's name. */
export class FormatRefusal extends Error {}

/** One text format, as a parser node converts it. */
export interface TextFormat {
  /** As the errors name it: "YAML", "XML". */
  name: string;
  /** Parses untrusted text; throws with the parser's reason, or a FormatRefusal. */
  parse(text: string): unknown;
  /** Whether a value that is not text is written (otherwise it passes unchanged). */
  writes(value: unknown): boolean;
  write(value: unknown): string;
}

export interface ConvertOptions {
  property: string;
  maxBytes: number;
  /** Text (a string or bytes) is parsed. */
  parse: boolean;
  /** Other values are written as text. */
  write: boolean;
}

/**
 * The input handler of a node that turns text at a property into a value and
 * values into text: size checked before the parser sees anything, refusals
 * counted and reported with the property's name, the message sent on unchanged
 * when there is nothing to convert.
 */
export function textConverter(node: Pick<NodeHandle, "countRejected">, o: ConvertOptions, format: TextFormat): NonNullable<NodeBehaviour["input"]> {
  const path = parsePath(o.property);
  return (msg, send, done) => {
    const value = getPath(msg, path);
    let text: string | undefined;
    try {
      text = o.parse ? textToParse(value, o.property, o.maxBytes) : undefined;
    } catch (err) {
      if (err instanceof TextTooLarge) node.countRejected();
      return done(err as Error);
    }
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = format.parse(text);
      } catch (err) {
        node.countRejected();
        return done(new Error(err instanceof FormatRefusal ? `${o.property} ${err.message}` : `${o.property} is not valid ${format.name}: ${messageOf(err)}`));
      }
      send(setPath(msg, path, parsed));
      return done();
    }
    if (!o.write || !format.writes(value)) return send(msg), done();
    let written: string;
    try {
      written = format.write(value);
    } catch (err) {
      return done(new Error(`${o.property} cannot be written as ${format.name}: ${messageOf(err)}`));
    }
    send(setPath(msg, path, written));
    done();
  };
}
