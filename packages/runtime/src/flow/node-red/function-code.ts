/**
 * Node-RED nodes Wattflow has no node for, written as the code of a Wattflow
 * function node that does the same: change nodes whose rules read or write
 * flow/global context or search and replace, and template nodes (mustache).
 * The generated code never assigns to msg: messages are immutable here.
 */
import type { NodeRedNode } from "./convert.js";

type Warn = (text: string) => void;

/** Path and context helpers the generated code starts with. Node-RED paths: a.b, a[0], a["b c"]. */
const HELPERS = `const keys = (p) => String(p).match(/[^.[\\]"']+/g) ?? [];
const getIn = (o, ks) => ks.reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), o);
const setIn = (o, ks, v) => {
  if (ks.length === 0) return v;
  const base = o !== null && typeof o === "object" ? o : {};
  const copy = Array.isArray(base) ? [...base] : { ...base };
  copy[ks[0]] = setIn(base[ks[0]], ks.slice(1), v);
  return copy;
};
const deleteIn = (o, ks) => {
  if (o === null || typeof o !== "object" || ks.length === 0) return o;
  const copy = Array.isArray(o) ? [...o] : { ...o };
  if (ks.length === 1) delete copy[ks[0]];
  else copy[ks[0]] = deleteIn(o[ks[0]], ks.slice(1));
  return copy;
};
const ctxGet = (ctx, p) => { const [k, ...rest] = keys(p); return getIn(ctx.get(k), rest); };
const ctxSet = (ctx, p, v) => { const [k, ...rest] = keys(p); if (rest.length === 0 && v === undefined) ctx.delete(k); else ctx.set(k, rest.length ? setIn(ctx.get(k), rest, v) : v); };
`;

const lit = (v: unknown): string => JSON.stringify(v) ?? "undefined";

/** A JavaScript expression for a Node-RED typed value (`to`/`tot`, `from`/`fromt`), or undefined when there is none. */
function valueExpression(v: unknown, type: string | undefined): string | undefined {
  switch (type ?? "str") {
    case "str":
      return lit(String(v ?? ""));
    case "num":
      return lit(Number(v));
    case "bool":
      return lit(v === true || v === "true");
    case "json":
      try {
        return lit(JSON.parse(String(v)));
      } catch {
        return undefined;
      }
    case "msg":
      return `getIn(m, keys(${lit(String(v))}))`;
    case "flow":
      return `ctxGet(flow, ${lit(String(v))})`;
    case "global":
      return `ctxGet(global, ${lit(String(v))})`;
    case "env":
      return `env(${lit(String(v))})`;
    case "date":
      return "Date.now()";
    default:
      return undefined;
  }
}

const read = (p: string, pt: string | undefined): string =>
  pt === "flow" ? `ctxGet(flow, ${lit(p)})` : pt === "global" ? `ctxGet(global, ${lit(p)})` : `getIn(m, keys(${lit(p)}))`;
const write = (p: string, pt: string | undefined, value: string): string =>
  pt === "flow" ? `ctxSet(flow, ${lit(p)}, ${value});` : pt === "global" ? `ctxSet(global, ${lit(p)}, ${value});` : `m = setIn(m, keys(${lit(p)}), ${value});`;
const remove = (p: string, pt: string | undefined): string =>
  pt === "flow" || pt === "global" ? `ctxSet(${pt}, ${lit(p)}, undefined);` : `m = deleteIn(m, keys(${lit(p)}));`;

export interface ChangeRule {
  t: string;
  p: string;
  pt?: string;
  to?: unknown;
  tot?: string;
  from?: unknown;
  fromt?: string;
}

/** True when Wattflow's change node can do the rule itself. */
export function changeNodeCanDo(r: ChangeRule): boolean {
  if ((r.pt ?? "msg") !== "msg") return false;
  if (r.t === "delete") return true;
  if (r.t === "move") return (r.tot ?? "msg") === "msg";
  if (r.t === "set") return ["str", "num", "bool", "json", "msg", "env", "date", "jsonata"].includes(r.tot ?? "str");
  return false;
}

/** The rules of a change node as function code, in order. */
export function changeRulesCode(n: NodeRedNode, rules: ChangeRule[], warn: Warn): string {
  const lines = ["// Node-RED change rules (they use flow/global context or search and replace), in order.", HELPERS, "let m = msg;"];
  rules.forEach((r, i) => {
    const where = `${n.id}: change rule ${i + 1}`;
    if (r.t === "set") {
      const value = valueExpression(r.to, r.tot);
      if (value === undefined) {
        warn(`${where} sets ${r.p} from a "${String(r.tot)}" expression, which is not supported; the rule is kept as a comment in the code`);
        lines.push(`// not supported: set ${r.p} to ${String(r.tot)} ${lit(r.to)}`);
      } else lines.push(write(r.p, r.pt, value));
    } else if (r.t === "delete") lines.push(remove(r.p, r.pt));
    else if (r.t === "move") {
      lines.push(`{ const v = ${read(r.p, r.pt)};`, remove(r.p, r.pt), write(String(r.to), r.tot, "v"), "}");
    } else if (r.t === "change") {
      const to = valueExpression(r.to, r.tot) ?? lit("");
      const from = r.fromt === "re" ? `new RegExp(${lit(String(r.from ?? ""))}, "g")` : valueExpression(r.from, r.fromt);
      if (from === undefined) {
        warn(`${where} searches for a "${String(r.fromt)}" value, which is not supported; the rule is kept as a comment in the code`);
        lines.push(`// not supported: change ${r.p} from ${String(r.fromt)} ${lit(r.from)}`);
        return;
      }
      // Text is searched and replaced everywhere in it; any other value is replaced when it equals the search value.
      lines.push(
        `{ const v = ${read(r.p, r.pt)}; const from = ${from}; const to = ${to};`,
        `  const next = typeof v === "string" ? (from instanceof RegExp ? v.replace(from, String(to)) : v.split(String(from)).join(String(to))) : v === from ? to : v;`,
        `  ${write(r.p, r.pt, "next")} }`,
      );
    } else {
      warn(`${where} has the unknown action "${r.t}"; left out`);
    }
  });
  lines.push("return m;");
  return lines.join("\n");
}
