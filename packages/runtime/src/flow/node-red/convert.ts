/**
 * Node-RED flow exports to Wattflow flows. Pure (no Node.js imports), so the
 * editor's import dialog and `wattflow import node-red FILE` share it.
 * Types with a Wattflow counterpart are converted; every other node is
 * listed in the report by type, name and id, never dropped silently.
 */
import type { FlowDocument, FlowNode } from "../types.js";

export type NodeRedNode = { id: string; type: string; z?: string; name?: string; x?: number; y?: number; wires?: string[][]; [key: string]: unknown };

export interface NodeRedImport {
  flows: FlowDocument[];
  /** Nodes with no Wattflow counterpart: not converted. */
  unsupported: { id: string; type: string; name: string; flow: string }[];
  /** Converted with a caveat a person should read. */
  warnings: string[];
}

const ID = /[^A-Za-z0-9_-]/g;
const safeId = (raw: string): string => {
  const id = raw.replace(ID, "_");
  return /^[A-Za-z0-9]/.test(id) ? id : `n${id}`;
};
const slug = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "flow";

const VALUE_TYPES: Record<string, string> = { str: "string", num: "number", bool: "boolean", json: "json", msg: "path", env: "env", date: "timestamp" };
const SWITCH_OPS: Record<string, string> = { eq: "eq", neq: "neq", lt: "lt", lte: "lte", gt: "gt", gte: "gte", btwn: "between", cont: "contains", regex: "regex", true: "true", false: "false", null: "null", nnull: "nnull", empty: "empty", istype: "type", else: "else" };

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function typedValue(v: unknown, type: string): unknown {
  if (type === "number") return Number(v);
  if (type === "boolean") return v === true || v === "true";
  if (type === "json" && typeof v === "string") {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }
  return v;
}

type Converter = (n: NodeRedNode, warn: (text: string) => void) => { type: string; config: Record<string, unknown> };

const converters: Record<string, Converter> = {
  inject(n, warn) {
    const props = Array.isArray(n.props) ? (n.props as { p: string; v?: unknown; vt?: string }[]) : [];
    const payloadProp = props.find((p) => p.p === "payload");
    const payloadTypeRaw = (payloadProp?.vt ?? (n.payloadType as string | undefined)) ?? "date";
    const payloadType = VALUE_TYPES[payloadTypeRaw] === "path" ? "json" : (VALUE_TYPES[payloadTypeRaw] ?? "json");
    if (!VALUE_TYPES[payloadTypeRaw]) warn(`${n.id}: inject payload type "${payloadTypeRaw}" is not supported; sent as JSON`);
    const config: Record<string, unknown> = { payloadType, once: n.once === true };
    const payload = payloadProp ? payloadProp.v : n.payload;
    if (payloadType !== "timestamp" && payload !== undefined) config.payload = typedValue(payload, payloadType);
    const topic = str(props.find((p) => p.p === "topic")?.v) ?? str(n.topic);
    if (topic) config.topic = topic;
    const extra = props.filter((p) => p.p !== "payload" && p.p !== "topic").map((p) => ({ path: p.p, value: typedValue(p.v, VALUE_TYPES[p.vt ?? "str"] ?? "string") }));
    if (extra.length) config.props = extra;
    if (str(n.repeat) && Number(n.repeat) > 0) config.interval = `${Number(n.repeat)}s`;
    if (str(n.crontab)) config.cron = n.crontab;
    if (n.once && Number(n.onceDelay) > 0) config.onceDelay = `${Math.round(Number(n.onceDelay) * 1000)}ms`;
    return { type: "inject", config };
  },
  debug(n) {
    const complete = String(n.complete ?? "payload");
    return { type: "debug", config: { property: complete === "true" ? "msg" : complete, toLog: n.console === true || n.console === "true", toEvents: n.tosidebar !== false } };
  },
  change(n, warn) {
    const rules = (Array.isArray(n.rules) ? n.rules : []) as { t: string; p: string; to?: unknown; tot?: string }[];
    const out = rules.flatMap((r) => {
      if (r.t === "delete") return [{ action: "delete", path: r.p }];
      if (r.t === "move") return [{ action: "move", path: r.p, to: String(r.to) }];
      if (r.t === "set") {
        const valueType = VALUE_TYPES[r.tot ?? "str"];
        if (!valueType) {
          warn(`${n.id}: change rule sets ${r.p} from "${r.tot}", which has no counterpart; rule left out`);
          return [];
        }
        return [{ action: "set", path: r.p, value: typedValue(r.to, valueType), valueType }];
      }
      warn(`${n.id}: change rule "${r.t}" (search and replace) has no counterpart; rule left out`);
      return [];
    });
    return { type: "change", config: { rules: out } };
  },
  switch(n, warn) {
    const rules = (Array.isArray(n.rules) ? n.rules : []) as { t: string; v?: unknown; vt?: string; v2?: unknown }[];
    return {
      type: "switch",
      config: {
        property: String(n.property ?? "payload"),
        checkAll: n.checkall !== "false",
        rules: rules.map((r) => {
          const op = SWITCH_OPS[r.t];
          if (!op) warn(`${n.id}: switch rule "${r.t}" has no counterpart; treated as else`);
          const value = r.vt === "num" ? Number(r.v) : r.v;
          return { op: op ?? "else", ...(value !== undefined && value !== "" ? { value } : {}), ...(r.v2 !== undefined ? { value2: r.vt === "num" ? Number(r.v2) : r.v2 } : {}) };
        }),
      },
    };
  },
  function(n, warn) {
    warn(`${n.id}: function code is kept as written; messages are immutable in Wattflow, so code that assigns to msg must return a new object`);
    return { type: "function", config: { code: String(n.func ?? "return msg;"), outputs: Number(n.outputs ?? 1) } };
  },
  "mqtt in": (n) => ({ type: "mqtt-in", config: { topic: String(n.topic ?? "#"), qos: Number(n.qos ?? 0), ...(str(n.broker) ? { broker: safeId(n.broker as string) } : {}) } }),
  "mqtt out": (n) => ({ type: "mqtt-out", config: { ...(str(n.topic) ? { topic: n.topic } : {}), qos: Number(n.qos ?? 0), retain: n.retain === true || n.retain === "true", ...(str(n.broker) ? { broker: safeId(n.broker as string) } : {}) } }),
  "http in": (n) => ({ type: "http-in", config: { method: String(n.method ?? "get").toUpperCase(), path: String(n.url ?? "/") } }),
  "http response": (n) => ({ type: "http-response", config: { ...(Number(n.statusCode) ? { status: Number(n.statusCode) } : {}), ...(n.headers && typeof n.headers === "object" ? { headers: n.headers } : {}) } }),
  catch: (n) => ({ type: "catch", config: { scope: Array.isArray(n.scope) ? (n.scope as string[]).map(safeId) : [] } }),
  status: (n) => ({ type: "status", config: { scope: Array.isArray(n.scope) ? (n.scope as string[]).map(safeId) : [] } }),
  "link in": () => ({ type: "link-in", config: {} }),
  "link out": () => ({ type: "link-out", config: { links: [] } }),
};

/** Config nodes Node-RED keeps at the top level, and editor-only nodes. */
const CONFIG_TYPES = new Set(["mqtt-broker", "tab", "subflow", "group", "comment", "ui_base", "ui_tab", "ui_group"]);

export function convertNodeRed(input: unknown): NodeRedImport {
  if (!Array.isArray(input)) throw new Error("a Node-RED export is a JSON array of nodes");
  const all = input.filter((n): n is NodeRedNode => !!n && typeof n === "object" && typeof (n as NodeRedNode).id === "string" && typeof (n as NodeRedNode).type === "string");
  const tabs = all.filter((n) => n.type === "tab");
  const tabIds = new Map(tabs.map((t) => [t.id, slug(String(t.label ?? t.id))]));
  const used = new Set<string>();
  for (const [k, v] of tabIds) {
    let id = v;
    for (let i = 2; used.has(id); i++) id = `${v}-${i}`;
    used.add(id);
    tabIds.set(k, id);
  }
  const flowOf = (n: NodeRedNode): string => tabIds.get(n.z ?? "") ?? "imported";
  const result: NodeRedImport = { flows: [], unsupported: [], warnings: [] };
  const warn = (text: string): void => void result.warnings.push(text);
  const byFlow = new Map<string, FlowNode[]>();
  const where = new Map(all.map((n) => [n.id, flowOf(n)]));

  for (const n of all) {
    if (n.type === "tab") continue;
    if (CONFIG_TYPES.has(n.type)) {
      if (n.type === "mqtt-broker") warn(`${n.id}: MQTT broker ${String(n.broker ?? "")}:${String(n.port ?? 1883)} becomes an mqtt-broker connection to set up in each flow that uses it`);
      else if (n.type !== "comment" && n.type !== "group") result.unsupported.push({ id: n.id, type: n.type, name: String(n.name ?? ""), flow: flowOf(n) });
      continue;
    }
    const convert = converters[n.type];
    if (!convert) {
      result.unsupported.push({ id: n.id, type: n.type, name: String(n.name ?? ""), flow: flowOf(n) });
      continue;
    }
    const { type, config } = convert(n, warn);
    const flow = flowOf(n);
    const targetOf = (id: string): string => (where.get(id) === flow ? safeId(id) : `${where.get(id) ?? "imported"}/${safeId(id)}`);
    if (n.type === "link out") config.links = (Array.isArray(n.links) ? (n.links as string[]) : []).map(targetOf);
    const node: FlowNode = {
      id: safeId(n.id),
      type,
      ...(str(n.name) ? { name: n.name as string } : {}),
      config,
      wires: (n.wires ?? []).map((port) => port.filter((t) => where.has(t) && converters[all.find((m) => m.id === t)!.type]).map(targetOf)),
      position: { x: Math.round(Number(n.x ?? 0)), y: Math.round(Number(n.y ?? 0)) },
      ...(n.d === true ? { disabled: true } : {}),
    };
    byFlow.set(flow, [...(byFlow.get(flow) ?? []), node]);
  }
  for (const [id, nodes] of byFlow) {
    const tab = tabs.find((t) => tabIds.get(t.id) === id);
    result.flows.push({ format: "wattflow/flow@1", id, label: String(tab?.label ?? id), description: "Imported from Node-RED", nodes });
  }
  for (const u of result.unsupported) warn(`${u.id}: ${u.type}${u.name ? ` "${u.name}"` : ""} has no Wattflow counterpart and was not imported`);
  return result;
}
