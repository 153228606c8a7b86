import { parse, stringify } from "yaml";
import { DEFAULT_MAX_JSON_DEPTH, defineNode, getPath, parsePath, setPath, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { MaxBytes, messageOf, TextTooLarge, textToParse } from "../shared/parser-text.js";

/** Aliases one document may use: enough for any config, far too few for an alias bomb. */
const MAX_ALIASES = 100;

/** True when arrays and objects in the value nest deeper than `max` (walked without recursion). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(v)) stack.push({ v: child, depth: depth + 1 });
  }
  return false;
}

export default defineNode({
  type: "yaml",
  category: "parser",
  summary: "Converts between YAML text and a value: parses text, stringifies anything else (or always one way).",
  docs: readDocs(import.meta.url),
  config: Type.Object({
    action: Type.Union([Type.Literal("toggle"), Type.Literal("parse"), Type.Literal("stringify")], {
      default: "toggle",
      description: "toggle: text is parsed, anything else stringified; parse: only parse (a value passes unchanged); stringify: only stringify (text passes unchanged)",
    }),
    property: Type.String({ default: "payload", minLength: 1 }),
    maxBytes: MaxBytes,
    maxDepth: Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_MAX_JSON_DEPTH, description: "deepest nesting accepted" }),
  }),
  inputs: 1,
  outputs: ["converted"],
  create(node, c) {
    const path = parsePath(c.property);
    return {
      input(msg: Message, send, done) {
        const value = getPath(msg, path);
        let text: string | undefined;
        try {
          text = c.action === "stringify" ? undefined : textToParse(value, c.property, c.maxBytes);
        } catch (err) {
          if (err instanceof TextTooLarge) node.countRejected();
          return done(err as Error);
        }
        if (text !== undefined) {
          let parsed: unknown;
          try {
            // One document; a stream of several is refused by the parser with its position.
            parsed = parse(text, { maxAliasCount: MAX_ALIASES });
          } catch (err) {
            node.countRejected();
            // The parser's message ends with an excerpt of the text; its first line names the position.
            return done(new Error(`${c.property} is not valid YAML: ${messageOf(err).split("\n")[0]!.replace(/:$/, "")}`));
          }
          if (nestsDeeperThan(parsed, c.maxDepth)) {
            node.countRejected();
            return done(new Error(`${c.property} nests deeper than ${c.maxDepth} levels (config "maxDepth")`));
          }
          send(setPath(msg, path, parsed));
          return done();
        }
        if (c.action === "parse" || value === undefined || typeof value === "string") return send(msg), done();
        try {
          send(setPath(msg, path, stringify(value)));
        } catch (err) {
          return done(new Error(`${c.property} cannot be written as YAML: ${messageOf(err)}`));
        }
        done();
      },
    };
  },
});
