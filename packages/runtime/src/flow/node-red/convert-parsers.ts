/**
 * Node-RED's csv, yaml, xml and html nodes as Wattflow's. Pure, like
 * convert.ts; settings Wattflow names differently are renamed, and the
 * import report says where one setting stands for two.
 */
import type { NodeRedNode } from "./convert.js";

type Warn = (text: string) => void;
type ParserConverter = (n: NodeRedNode, warn: Warn) => { type: string; config: Record<string, unknown> };

const text = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const yes = (v: unknown): boolean => v === true || v === "true";
/** Node-RED keeps escapes as typed in its editor: "\t" is two characters there. */
const unescape = (v: string): string => v.replace(/\\t/g, "\t").replace(/\\n/g, "\n").replace(/\\r/g, "\r");
const property = (n: NodeRedNode): string => text(n.property) || "payload";

function csv(n: NodeRedNode, warn: Warn): { type: string; config: Record<string, unknown> } {
  const separator = unescape(text(n.sep) || ",");
  const headerIn = yes(n.hdrin);
  const headerOut = n.hdrout === "all" || n.hdrout === "once" || n.hdrout === true;
  if (headerIn !== headerOut) warn(`${n.id}: csv "first row contains column names" (${headerIn ? "on" : "off"}) and "include column name row" (${headerOut ? "on" : "off"}) are one setting in Wattflow, headerRow: ${headerIn ? "on" : "off"} is used both ways`);
  if (n.hdrout === "once") warn(`${n.id}: csv column name row "once" is written on every message in Wattflow`);
  const ending = unescape(text(n.ret) || "\n");
  const columns = text(n.temp).trim() === "" ? "" : text(n.temp).split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1")).join(",");
  if (separator.length !== 1) warn(`${n.id}: csv separator ${JSON.stringify(separator)} is not one character; "," is used`);
  return {
    type: "csv",
    config: {
      property: "payload",
      columns,
      ...(separator.length === 1 ? { separator } : {}),
      headerRow: headerIn,
      skipLines: Math.max(0, Math.round(Number(n.skip ?? 0)) || 0),
      numbers: n.strings === undefined ? true : yes(n.strings),
      emptyFields: yes(n.include_null_values) ? "null" : yes(n.include_empty_strings) ? "empty" : "omit",
      output: n.multi === "mult" ? "array" : "messages",
      lineEnding: ending === "\r\n" ? "\r\n" : "\n",
    },
  };
}

export const parserConverters: Record<string, ParserConverter> = {
  csv,
  yaml: (n) => ({ type: "yaml", config: { action: "toggle", property: property(n) } }),
  // Node-RED's parser makes every child element a list and keeps values as text: the same shape here.
  xml: (n) => ({ type: "xml", config: { action: "toggle", property: property(n), attributesKey: text(n.attr) || "$", textKey: text(n.chr) || "_", alwaysArray: true, numbers: false } }),
  html(n, warn) {
    const ret = text(n.ret) || "html";
    if (ret === "compl") warn(`${n.id}: html "whole element" output is not supported; the inner HTML is taken (or choose attributes)`);
    return {
      type: "html",
      config: {
        selector: text(n.tag),
        extract: ret === "text" ? "text" : ret === "attr" ? "attributes" : "html",
        output: n.as === "multi" ? "messages" : "array",
        property: property(n),
        outputProperty: text(n.outproperty) || "payload",
      },
    };
  },
};
