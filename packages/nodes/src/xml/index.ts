import { DEFAULT_MAX_JSON_DEPTH, defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { MaxBytes, textConverter } from "../shared/parser-text.js";

export default defineNode({
  type: "xml",
  category: "parser",
  summary: "Converts between XML text and a value: parses text into an object (attributes under $, text under _), builds XML from an object.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    action: Type.Union([Type.Literal("toggle"), Type.Literal("parse"), Type.Literal("build")], {
      default: "toggle",
      description: "toggle: text is parsed, an object built; parse: only parse; build: only build",
    }),
    property: Type.String({ default: "payload", minLength: 1 }),
    attributesKey: Type.String({ default: "$", minLength: 1, description: "key of the object holding an element's attributes" }),
    textKey: Type.String({ default: "_", minLength: 1, description: "key of an element's text when it also has attributes or children" }),
    alwaysArray: Type.Boolean({ default: false, description: "every child element is an array, even when it occurs once (stable shape)" }),
    numbers: Type.Boolean({ default: true, description: "numeric text and attribute values become numbers" }),
    pretty: Type.Boolean({ default: false, description: "building: indent by 2 spaces" }),
    maxBytes: MaxBytes,
    maxDepth: Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_MAX_JSON_DEPTH, description: "deepest element nesting parsed" }),
  }),
  inputs: 1,
  outputs: ["converted"],
  async create(node, c) {
    // The parser library loads when a flow first uses this node, not with the node catalog.
    const { XMLBuilder, XMLParser, XMLValidator } = await import("fast-xml-parser");
    const shape = { ignoreAttributes: false, attributesGroupName: c.attributesKey, attributeNamePrefix: "", textNodeName: c.textKey };
    const parser = new XMLParser({
      ...shape,
      parseTagValue: c.numbers,
      parseAttributeValue: c.numbers,
      // Entities a document defines are expanded within bounds, so an entity bomb fails instead of growing.
      processEntities: { enabled: true, maxEntityCount: 100, maxTotalExpansions: 1000, maxExpandedLength: 100_000 },
      htmlEntities: false,
      // The parser counts the levels below the root element.
      maxNestedTags: c.maxDepth - 1,
      // The root stays an object; below it, every element is a list when asked for.
      isArray: (_name, jpath, _leaf, isAttribute) => c.alwaysArray && !isAttribute && String(jpath).includes("."),
    });
    const builder = new XMLBuilder({ ...shape, format: c.pretty, indentBy: "  ", suppressEmptyNode: true });

    return {
      input: textConverter(node, { property: c.property, maxBytes: c.maxBytes, parse: c.action !== "build", write: c.action !== "parse" }, {
        name: "XML",
        parse(text) {
          const valid = XMLValidator.validate(text);
          if (valid !== true) throw new Error(`${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
          return parser.parse(text) as unknown;
        },
        writes: (value) => value !== null && typeof value === "object",
        write: (value) => builder.build(value) as string,
      }),
    };
  },
});
