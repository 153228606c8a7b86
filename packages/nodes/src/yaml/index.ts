import { DEFAULT_MAX_JSON_DEPTH, defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { ConvertAction, FormatRefusal, MaxBytes, messageOf, textConverter } from "../shared/parser-text.js";

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
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    action: ConvertAction,
    property: Type.String({ default: "payload", minLength: 1 }),
    maxBytes: MaxBytes,
    maxDepth: Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_MAX_JSON_DEPTH, description: "deepest nesting accepted" }),
  }),
  inputs: 1,
  outputs: ["converted"],
  async create(node, c) {
    // The parser library loads when a flow first uses this node, not with the node catalog.
    const { parse, stringify } = await import("yaml");
    return {
      input: textConverter(node, { property: c.property, maxBytes: c.maxBytes, parse: c.action !== "stringify", write: c.action !== "parse" }, {
        name: "YAML",
        parse(text) {
          let parsed: unknown;
          try {
            // One document; a stream of several is refused by the parser with its position.
            parsed = parse(text, { maxAliasCount: MAX_ALIASES });
          } catch (err) {
            // The parser's message ends with an excerpt of the text; its first line names the position.
            throw new Error(messageOf(err).split("\n")[0]!.replace(/:$/, ""));
          }
          if (nestsDeeperThan(parsed, c.maxDepth)) throw new FormatRefusal(`nests deeper than ${c.maxDepth} levels (config "maxDepth")`);
          return parsed;
        },
        writes: (value) => value !== undefined && typeof value !== "string",
        write: (value) => stringify(value),
      }),
    };
  },
});
