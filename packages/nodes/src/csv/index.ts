import { defineNode, getPath, parsePath, setPath, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { derive, newSequenceId } from "../shared/parts.js";
import { MaxBytes, messageOf, TextTooLarge, textToParse } from "../shared/parser-text.js";

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
type Row = Record<string, unknown>;

/** Column names from "a, b ,c" (empty: none given). */
function columnList(text: string): string[] {
  return text.trim() === "" ? [] : text.split(",").map((s) => s.trim());
}

export default defineNode({
  type: "csv",
  category: "parser",
  summary: "Converts between CSV text and rows: parses text into objects (one message per row, or an array), builds CSV from an object or an array.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    property: Type.String({ default: "payload", minLength: 1 }),
    columns: Type.String({ default: "", description: "column names, comma separated; empty: from the header row, else col1, col2, …" }),
    separator: Type.String({ default: ",", minLength: 1, maxLength: 1 }),
    quote: Type.String({ default: '"', minLength: 1, maxLength: 1 }),
    headerRow: Type.Boolean({ default: true, description: "parsing: the first row names the columns; building: a header row is written first" }),
    skipLines: Type.Integer({ minimum: 0, default: 0, description: "lines skipped before the first row (or the header)" }),
    numbers: Type.Boolean({ default: true, description: "unquoted numeric fields become numbers" }),
    emptyFields: Type.Union([Type.Literal("omit"), Type.Literal("empty"), Type.Literal("null")], {
      default: "omit",
      description: "an empty field: left out of the row, kept as \"\", or set to null",
    }),
    output: Type.Union([Type.Literal("messages"), Type.Literal("array")], { default: "messages", description: "parsing: one message per row (with msg.parts, so join can put them back), or one message with the array of rows" }),
    lineEnding: Type.Union([Type.Literal("\n"), Type.Literal("\r\n")], { default: "\n", description: "building: between rows" }),
    maxBytes: MaxBytes,
  }),
  inputs: 1,
  outputs: ["converted"],
  async create(node, c) {
    // The parser library loads when a flow first uses this node, not with the node catalog.
    const [{ parse }, { stringify }] = await Promise.all([import("csv-parse/sync"), import("csv-stringify/sync")]);
    const path = parsePath(c.property);
    const given = columnList(c.columns);

    function rowsOf(text: string): Row[] {
      const records = parse(text, {
        delimiter: c.separator,
        quote: c.quote,
        from_line: c.skipLines + 1,
        relax_column_count: true,
        skip_empty_lines: true,
        bom: true,
        // A quoted field stays text, as the writer meant it: "007" is an id, 7 a number.
        cast: (value, context) => (c.numbers && !context.quoting && NUMBER.test(value) ? Number(value) : value),
      }) as unknown[][];
      const names = c.headerRow && given.length === 0 ? (records.shift() ?? []).map(String) : given;
      if (c.headerRow && given.length > 0) records.shift();
      return records.map((record) => {
        const row: Row = {};
        record.forEach((field, i) => {
          if (field === "" && c.emptyFields === "omit") return;
          row[names[i] || `col${i + 1}`] = field === "" && c.emptyFields === "null" ? null : field;
        });
        return row;
      });
    }

    function csvOf(value: object): string {
      const rows = Array.isArray(value) ? value : [value];
      const first = rows.find((r): r is Row => r !== null && typeof r === "object" && !Array.isArray(r));
      const columns = given.length > 0 ? given : first ? Object.keys(first) : undefined;
      return stringify(rows as unknown[], {
        delimiter: c.separator,
        quote: c.quote,
        record_delimiter: c.lineEnding === "\n" ? "unix" : "windows",
        header: c.headerRow && columns !== undefined,
        ...(columns ? { columns } : {}),
        cast: { boolean: (b) => String(b), object: (o) => JSON.stringify(o) },
      });
    }

    return {
      input(msg: Message, send, done) {
        const value = getPath(msg, path);
        let text: string | undefined;
        try {
          text = textToParse(value, c.property, c.maxBytes);
        } catch (err) {
          if (err instanceof TextTooLarge) node.countRejected();
          return done(err as Error);
        }
        if (text === undefined) {
          if (value === null || typeof value !== "object") return send(msg), done();
          try {
            send(setPath(msg, path, csvOf(value)));
            return done();
          } catch (err) {
            return done(new Error(`${c.property} cannot be written as CSV: ${messageOf(err)}`));
          }
        }
        let rows: Row[];
        try {
          rows = rowsOf(text);
        } catch (err) {
          node.countRejected();
          return done(new Error(`${c.property} is not valid CSV: ${messageOf(err)}`));
        }
        if (c.output === "array") return send(setPath(msg, path, rows)), done();
        const id = newSequenceId();
        // An enclosing sequence is kept as parts.parts, as split does.
        rows.forEach((row, index) => {
          const parts = { id, type: "array", index, count: rows.length };
          send(node.newMessage(derive(setPath(msg, path, row), { parts: msg.parts === undefined ? parts : { ...parts, parts: msg.parts } })));
        });
        done();
      },
    };
  },
});
