import { defineNode, getPath, parsePath, setPath, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { derive, newSequenceId } from "../shared/parts.js";
import { MaxBytes, messageOf, TextTooLarge, textToParse } from "../shared/parser-text.js";

export default defineNode({
  type: "html",
  category: "parser",
  summary: "Picks elements out of an HTML page with a CSS selector: their text, inner HTML or attributes, one message per match or an array.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    selector: Type.String({ default: "", description: "CSS selector, e.g. table.readings td.kw; empty: msg.select" }),
    extract: Type.Union([Type.Literal("text"), Type.Literal("html"), Type.Literal("attributes")], {
      default: "text",
      description: "text: the element's text; html: its inner HTML; attributes: an object of its attributes",
    }),
    output: Type.Union([Type.Literal("array"), Type.Literal("messages")], { default: "array", description: "one message with the array of matches, or one message per match (with msg.parts)" }),
    property: Type.String({ default: "payload", minLength: 1, description: "the HTML to read" }),
    outputProperty: Type.String({ default: "payload", minLength: 1, description: "where the matches go" }),
    maxBytes: MaxBytes,
  }),
  inputs: 1,
  outputs: ["matches"],
  async create(node, c) {
    // The parser library loads when a flow first uses this node, not with the node catalog.
    const { load } = await import("cheerio");
    const from = parsePath(c.property);
    const to = parsePath(c.outputProperty);
    return {
      input(msg: Message, send, done) {
        const selector = c.selector || (typeof msg.select === "string" ? msg.select : "");
        if (selector === "") return done(new Error('no selector: set config "selector" or msg.select'));
        let html: string | undefined;
        try {
          html = textToParse(getPath(msg, from), c.property, c.maxBytes);
        } catch (err) {
          if (err instanceof TextTooLarge) node.countRejected();
          return done(err as Error);
        }
        if (html === undefined) return done(new Error(`${c.property} is not HTML text (a string or a Buffer)`));
        let matches: unknown[];
        try {
          const $ = load(html);
          matches = $(selector)
            .toArray()
            .map((el) => (c.extract === "text" ? $(el).text() : c.extract === "html" ? ($(el).html() ?? "") : { ...(el.type === "tag" ? el.attribs : {}) }));
        } catch (err) {
          // An HTML parser accepts any text; what fails here is the selector.
          return done(new Error(`selector ${JSON.stringify(selector)} cannot be used: ${messageOf(err)}`));
        }
        if (c.output === "array") return send(setPath(msg, to, matches)), done();
        const id = newSequenceId();
        matches.forEach((match, index) => {
          const parts = { id, type: "array", index, count: matches.length };
          send(node.newMessage(derive(setPath(msg, to, match), { parts: msg.parts === undefined ? parts : { ...parts, parts: msg.parts } })));
        });
        done();
      },
    };
  },
});
