/**
 * Node-RED flow exports to Wattflow flows. Pure (no Node.js imports), so the
 * editor's import dialog and `wattflow import node-red FILE` share it.
 * Types with a Wattflow counterpart are converted; every other node is
 * listed in the report by type, name and id, never dropped silently.
 */
import type { FlowDocument, FlowNode } from "../types.js";
import { CONNECTION_CONFIG_TYPES, connectionsByFlow } from "./config-nodes.js";
import { IO_CONFIG_TYPES, ioConverters, type ConfigNodes } from "./convert-io.js";
import { parserConverters } from "./convert-parsers.js";
import { changeNodeCanDo, changeRulesCode, type ChangeRule } from "./function-code.js";
import { nodeRedSubflows } from "./subflows.js";

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
const SWITCH_OPS: Record<string, string> = { eq: "eq", neq: "neq", lt: "lt", lte: "lte", gt: "gt", gte: "gte", btwn: "between", cont: "contains", regex: "regex", true: "true", false: "false", null: "null", nnull: "nnull", empty: "empty", istype: "type", jsonata_exp: "jsonata", else: "else" };

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Functions the Node-RED runtime adds to JSONata that Wattflow's expressions do not have. */
const NODE_RED_ONLY_JSONATA = ["$moment", "$clone"];

function warnNodeRedJsonata(expression: unknown, where: string, warn: (message: string) => void): void {
  const used = NODE_RED_ONLY_JSONATA.filter((f) => String(expression).includes(`${f}(`));
  if (used.length > 0) warn(`${where} uses ${used.join(", ")}, which Wattflow's JSONata does not have; the expression fails when it runs`);
}

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

type Converter = (n: NodeRedNode, warn: (text: string) => void, byId: ConfigNodes) => { type: string; config: Record<string, unknown> };

const UNIT_MS: Record<string, number> = {
  ms: 1, milliseconds: 1, millisecond: 1,
  s: 1000, second: 1000, seconds: 1000,
  min: 60_000, minute: 60_000, minutes: 60_000,
  hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  day: 86_400_000, days: 86_400_000,
};

/** A Node-RED number-and-unit as a Wattflow duration (`1500ms`); undefined when it is not a number. */
function duration(value: unknown, unit: unknown, fallbackUnit = "seconds"): string | undefined {
  const n = Number(value);
  if (value === "" || value === undefined || !Number.isFinite(n) || n < 0) return undefined;
  return `${Math.round(n * (UNIT_MS[String(unit ?? fallbackUnit)] ?? 1000))}ms`;
}

/** A Node-RED typed value (`str`, `num`, `json`, `bool`) as the JSON Wattflow nodes take. */
function plainValue(n: NodeRedNode, v: unknown, type: unknown, what: string, warn: (text: string) => void): unknown {
  const t = String(type ?? "str");
  if (t === "num") return Number(v);
  if (t === "bool") return v === true || v === "true";
  if (t === "json") return typedValue(v, "json");
  if (t !== "str") warn(`${n.id}: ${what} of type "${t}" is read at send time in Node-RED; imported as the text "${String(v)}"`);
  return v === undefined ? "" : String(v);
}

/** Node-RED reduce expressions that are one of join's operations. */
function reduceOperation(n: NodeRedNode): string | undefined {
  const exp = String(n.reduceExp ?? "").replace(/\s+/g, "");
  const fixup = String(n.reduceFixup ?? "").replace(/\s+/g, "");
  if (exp === "$A+payload" || exp === "payload+$A") return fixup === "$A/$N" ? "mean" : fixup === "" ? "sum" : undefined;
  if (exp === "$A+1" && fixup === "") return "count";
  if (/^\$(min|max)\(\[\$A,payload\]\)$/.test(exp) && fixup === "") return exp.slice(1, 4);
  return undefined;
}

/** Node-RED code often assigns to msg; Wattflow messages are frozen, so such code gets a copy of its own to change. */
const COPY_MSG = `// Imported from Node-RED: this code changes msg in place, and Wattflow messages are immutable, so it works on a copy.
const copyOf = (v) => Array.isArray(v) ? v.map(copyOf) : v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyOf(x)])) : v;
msg = copyOf(msg);`;
const changesMsgInPlace = (code: string): boolean => /\bmsg(\s*(\.[\w$]+|\[[^\]]+\]))+\s*(=(?!=)|\+=|-=|\*=|\/=|\+\+|--)|\bdelete\s+msg\b/.test(code);

const converters: Record<string, Converter> = {
  inject(n, warn) {
    const props = Array.isArray(n.props) ? (n.props as { p: string; v?: unknown; vt?: string }[]) : [];
    const payloadProp = props.find((p) => p.p === "payload");
    const payloadTypeRaw = (payloadProp?.vt ?? (n.payloadType as string | undefined)) ?? "date";
    const payloadType = VALUE_TYPES[payloadTypeRaw] === "path" ? "json" : (VALUE_TYPES[payloadTypeRaw] ?? "json");
    if (!VALUE_TYPES[payloadTypeRaw]) warn(`${n.id}: inject payload type "${payloadTypeRaw}" is not supported; sent as JSON`);
    const config: Record<string, unknown> = { payloadType, once: n.once === true };
    // Exports since Node-RED 1.1 list payload in props without a value; the value stays in n.payload.
    const payload = payloadProp?.v ?? n.payload;
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
  debug(n, warn) {
    // complete: "true" is the whole message, "false" (older exports) msg.payload, anything else a property path.
    const complete = String(n.complete ?? "payload");
    if (n.targetType === "jsonata") warn(`${n.id}: debug of an expression is not supported; msg.payload is shown`);
    const property = n.targetType === "jsonata" || complete === "false" || complete === "" ? "payload" : complete === "true" ? "msg" : complete;
    return { type: "debug", config: { property, toLog: n.console === true || n.console === "true", toEvents: n.tosidebar !== false && n.active !== false } };
  },
  change(n, warn) {
    const rules = (Array.isArray(n.rules) ? n.rules : []) as ChangeRule[];
    // Rules Wattflow's change node cannot do (context, search and replace) make the whole node a function, keeping their order.
    if (rules.length === 0 || !rules.every(changeNodeCanDo)) {
      warn(`${n.id}: change node ${rules.length === 0 ? "without rules" : "with rules on flow/global context or search and replace"} becomes a function node with the same rules as code`);
      return { type: "function", config: { code: changeRulesCode(n, rules, warn), outputs: 1 } };
    }
    const out = rules.flatMap((r) => {
      if (r.t === "delete") return [{ action: "delete", path: r.p }];
      if (r.t === "move") return [{ action: "move", path: r.p, to: String(r.to) }];
      if (r.t === "set") {
        // Wattflow's change node evaluates JSONata over the message with the same $env/$flowContext/$globalContext bindings.
        const valueType = r.tot === "jsonata" ? "jsonata" : VALUE_TYPES[r.tot ?? "str"];
        if (valueType === "jsonata") warnNodeRedJsonata(r.to, `${n.id}: change rule setting ${r.p}`, warn);
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
          if (r.t === "jsonata_exp") warnNodeRedJsonata(r.v, `${n.id}: switch rule`, warn);
          // A JSONata rule matches only on a result of exactly true there; Wattflow's matches on any truthy result.
          const value = r.t === "jsonata_exp" ? `(${String(r.v)}) = true` : r.vt === "num" ? Number(r.v) : r.v;
          return { op: op ?? "else", ...(value !== undefined && value !== "" ? { value } : {}), ...(r.v2 !== undefined ? { value2: r.vt === "num" ? Number(r.v2) : r.v2 } : {}) };
        }),
      },
    };
  },
  function(n, warn) {
    const code = String(n.func ?? "return msg;");
    for (const part of ["initialize", "finalize"]) if (str(n[part])) warn(`${n.id}: function's ${part} code is not supported; left out`);
    if (Array.isArray(n.libs) && n.libs.length) warn(`${n.id}: function's modules (libs) are not supported; use import() in the code`);
    return { type: "function", config: { code: changesMsgInPlace(code) ? `${COPY_MSG}\n${code}` : code, outputs: Number(n.outputs ?? 1) } };
  },
  "mqtt in": (n) => ({ type: "mqtt-in", config: { topic: String(n.topic ?? "#"), qos: Number(n.qos ?? 0), ...(str(n.broker) ? { broker: safeId(n.broker as string) } : {}) } }),
  "mqtt out": (n) => ({ type: "mqtt-out", config: { ...(str(n.topic) ? { topic: n.topic } : {}), qos: Number(n.qos ?? 0), retain: n.retain === true || n.retain === "true", ...(str(n.broker) ? { broker: safeId(n.broker as string) } : {}) } }),
  "http in": (n) => ({ type: "http-in", config: { method: String(n.method ?? "get").toUpperCase(), path: String(n.url ?? "/") } }),
  "http response": (n) => ({ type: "http-response", config: { ...(Number(n.statusCode) ? { status: Number(n.statusCode) } : {}), ...(n.headers && typeof n.headers === "object" ? { headers: n.headers } : {}) } }),
  catch: (n) => ({ type: "catch", config: { scope: Array.isArray(n.scope) ? (n.scope as string[]).map(safeId) : [] } }),
  status: (n) => ({ type: "status", config: { scope: Array.isArray(n.scope) ? (n.scope as string[]).map(safeId) : [] } }),
  "link in": () => ({ type: "link-in", config: {} }),
  rbe(n, warn) {
    const func = String(n.func ?? "rbe");
    const gap = String(n.gap ?? "").trim();
    const config: Record<string, unknown> = { property: String(n.property ?? "payload"), perTopic: n.septopics !== false && n.septopics !== "false" };
    if (str(n.topi) && n.topi !== "topic") warn(`${n.id}: rbe keeps references per msg.${String(n.topi)} in Node-RED; Wattflow's filter keys them by msg.topic`);
    if (func === "rbe" || func === "rbei") return { type: "filter", config: { ...config, mode: func === "rbe" ? "changed" : "changed-ignore-first" } };
    const band = Number.parseFloat(gap) || 0;
    const mode = func.startsWith("narrowband") ? "narrowband" : "deadband";
    // Node-RED: deadband passes a change > gap, deadbandEq ≥ gap; narrowband passes ≤ gap, narrowbandEq < gap.
    const inclusive = func === "deadbandEq" || func === "narrowband";
    Object.assign(config, { mode, band, bandUnit: gap.endsWith("%") ? "percent" : "absolute", inclusive, compareTo: n.inout === "in" ? "last-input" : "last-output" });
    if (mode === "narrowband" && str(n.start) && Number.isFinite(Number(n.start))) config.startValue = Number(n.start);
    return { type: "filter", config };
  },
  delay(n, warn) {
    const kind = String(n.pauseType ?? "delay");
    if (Number(n.outputs) === 2) warn(`${n.id}: delay sends dropped messages to a second output in Node-RED; Wattflow's delay discards them`);
    if (n.allowrate === true) warn(`${n.id}: msg.rate does not change the rate in Wattflow's delay`);
    if (kind === "delay" || kind === "delayv") {
      return { type: "delay", config: { mode: "delay", delay: duration(n.timeout, n.timeoutUnits) ?? "1000ms", ...(kind === "delayv" ? { delayOverride: true } : {}) } };
    }
    if (kind === "random") {
      return { type: "delay", config: { mode: "random", min: duration(n.randomFirst, n.randomUnits) ?? "0ms", max: duration(n.randomLast, n.randomUnits) ?? "1000ms" } };
    }
    const rate = Math.max(1, Math.round(Number(n.rate ?? 1)) || 1);
    const period = Number(n.nbRateUnits ?? 1) || 1;
    const per = duration(period, n.rateUnits ?? "second") ?? "1000ms";
    if (kind === "rate") return { type: "delay", config: { mode: "rate", rate, per, drop: n.drop === true || n.drop === "true" } };
    // "queue" and "timed" release per topic at `rate` per period: one release every period / rate.
    const perRelease = `${Math.max(1, Math.round(Number.parseInt(per, 10) / rate))}ms`;
    if (kind !== "queue" && kind !== "timed") warn(`${n.id}: delay mode "${kind}" is unknown; imported as a rate limit per topic`);
    warn(`${n.id}: delay per topic releases every ${perRelease} from the first message in Wattflow (the first release comes one period after it)`);
    return { type: "delay", config: { mode: "rate-per-topic", per: perRelease, release: kind === "timed" ? "all" : "each" } };
  },
  trigger(n, warn) {
    const op1type = String(n.op1type ?? "str");
    const op2type = String(n.op2type ?? "str");
    const wait = Number(n.duration ?? 250);
    if (wait < 0) warn(`${n.id}: trigger "resend every" (a negative duration) is not supported; imported as a single wait of ${-wait} ${String(n.units ?? "ms")}`);
    if (Number(n.outputs) === 2) warn(`${n.id}: trigger's second output is not supported; the second message goes to the one output`);
    if (n.overrideDelay === true) warn(`${n.id}: msg.delay does not override the trigger's wait in Wattflow`);
    const config: Record<string, unknown> = {
      wait: duration(Math.abs(wait), n.units, "ms") ?? "250ms",
      extend: n.extend === true || n.extend === "true",
      perTopic: n.bytopic === "topic",
    };
    if (op1type === "pay") config.first = "message";
    else if (op1type === "nul") config.first = "nothing";
    else Object.assign(config, { first: "value", firstValue: plainValue(n, n.op1, op1type, "the first value", warn) });
    if (op2type === "pay") config.second = "message";
    else if (op2type === "payl") config.second = "latest";
    else if (op2type === "nul") config.second = "nothing";
    else Object.assign(config, { second: "value", secondValue: plainValue(n, n.op2, op2type, "the second value", warn) });
    if (str(n.reset)) config.resetPayload = n.reset;
    if (str(n.topic) && n.topic !== "topic" && n.bytopic === "topic") warn(`${n.id}: trigger keys topics by msg.${String(n.topic)} in Node-RED; Wattflow uses msg.topic`);
    return { type: "trigger", config };
  },
  split(n, warn) {
    const config: Record<string, unknown> = {};
    if (n.stream === true) warn(`${n.id}: split's streaming mode is not supported; each message is split on its own`);
    if (n.spltType === "bin") warn(`${n.id}: split of Buffers at a byte sequence is not supported; text is split at the same delimiter`);
    const textLength = n.spltType === "len" ? Number(n.splt) : undefined;
    const arrayLength = Number(n.arraySplt ?? 1);
    if (textLength !== undefined && arrayLength > 1 && textLength !== arrayLength) warn(`${n.id}: split uses one length for text and arrays in Wattflow; ${arrayLength} taken for both`);
    if (arrayLength > 1) config.chunkLength = arrayLength;
    else if (textLength !== undefined && textLength > 0) config.chunkLength = textLength;
    if (n.spltType !== "len" && typeof n.splt === "string") config.delimiter = n.splt;
    if (str(n.addname)) config.keyProperty = n.addname;
    return { type: "split", config };
  },
  join(n, warn) {
    const mode = String(n.mode ?? "auto");
    const config: Record<string, unknown> = {};
    const timeout = duration(n.timeout, "seconds");
    if (timeout && timeout !== "0ms") config.timeout = timeout;
    if (mode === "reduce") {
      const operation = reduceOperation(n);
      if (!operation) warn(`${n.id}: join's reduce expression ${JSON.stringify(n.reduceExp)} has no counterpart; imported as a sum (use a function node for others)`);
      return { type: "join", config: { ...config, mode: "reduce", operation: operation ?? "sum" } };
    }
    if (mode !== "custom") return { type: "join", config: { ...config, mode: "auto" } };
    const build = String(n.build ?? "array");
    if (build === "buffer") warn(`${n.id}: join into a Buffer is not supported; joined into a string`);
    if ((str(n.property) && n.property !== "payload") || n.propertyType === "full") warn(`${n.id}: join of ${n.propertyType === "full" ? "whole messages" : `msg.${String(n.property)}`} is not supported; payloads are joined`);
    if (build === "object" && str(n.key) && n.key !== "topic") warn(`${n.id}: join keys objects by msg.${String(n.key)} in Node-RED; Wattflow uses msg.topic`);
    if (n.accumulate === true || n.accumulate === "true") warn(`${n.id}: join's "accumulate" is not supported; each group starts empty`);
    Object.assign(config, { mode: "manual", build: build === "buffer" ? "string" : build });
    if (Number(n.count) > 0) config.count = Number(n.count);
    if (typeof n.joiner === "string") config.joiner = n.joiner;
    return { type: "join", config };
  },
  batch(n, warn) {
    const mode = String(n.mode ?? "count");
    if (mode === "interval") return { type: "batch", config: { mode: "interval", interval: duration(n.interval, "seconds") ?? "10000ms", allowEmpty: n.allowEmpty === true } };
    if (mode !== "count") warn(`${n.id}: batch mode "${mode}" (concatenate sequences) is not supported; imported as count`);
    return { type: "batch", config: { mode: "count", count: Math.max(1, Number(n.count ?? 10) || 10), overlap: Math.max(0, Number(n.overlap ?? 0) || 0) } };
  },
  sort(n, warn) {
    const config: Record<string, unknown> = { order: n.order === "descending" ? "descending" : "ascending", numeric: n.as_num === true || n.as_num === "true" };
    const pathLike = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
    if (n.targetType === "seq") {
      config.target = "sequence";
      const key = String(n.seqKey ?? "payload");
      if (n.seqKeyType === "jsonata" && !pathLike.test(key)) warn(`${n.id}: sort key expression ${JSON.stringify(key)} is not supported; sorted by payload`);
      else config.key = key;
      return { type: "sort", config };
    }
    if (str(n.target) && n.target !== "payload") warn(`${n.id}: sort of msg.${String(n.target)} is not supported; msg.payload is sorted`);
    const key = String(n.msgKey ?? "");
    if (n.msgKeyType === "jsonata" && key !== "" && key !== "$") {
      if (pathLike.test(key)) config.key = key;
      else warn(`${n.id}: sort key expression ${JSON.stringify(key)} is not supported; elements sorted by value`);
    }
    return { type: "sort", config };
  },
  range(n, warn) {
    const action = String(n.action ?? "scale");
    if (action === "drop") warn(`${n.id}: range "scale, drop if outside" is not supported; imported as clamp`);
    return {
      type: "range",
      config: {
        action: action === "roll" ? "wrap" : action === "clamp" || action === "drop" ? "clamp" : "scale",
        inMin: Number(n.minin ?? 0),
        inMax: Number(n.maxin ?? 1023),
        outMin: Number(n.minout ?? 0),
        outMax: Number(n.maxout ?? 100),
        round: n.round === true || n.round === "true",
        property: String(n.property ?? "payload"),
      },
    };
  },
  json(n, warn) {
    if (str(n.schema)) warn(`${n.id}: json's schema validation is not part of Wattflow's json node; add a validate node after it`);
    const action = n.action === "obj" ? "parse" : n.action === "str" ? "stringify" : "toggle";
    return { type: "json", config: { action, property: String(n.property ?? "payload"), pretty: n.pretty === true || n.pretty === "true" } };
  },
  smooth(n, warn) {
    const actions: Record<string, string> = { mean: "mean", min: "min", max: "max", low: "low-pass", high: "high-pass" };
    const action = actions[String(n.action ?? "mean")];
    if (!action) warn(`${n.id}: smooth action "${String(n.action)}" is not supported; imported as mean`);
    const round = str(n.round) !== undefined || typeof n.round === "number" ? Number(n.round) : undefined;
    return {
      type: "smooth",
      config: {
        action: action ?? "mean",
        count: Math.max(1, Math.round(Number(n.count ?? 10)) || 10),
        reduce: n.reduce === true || n.reduce === "true",
        perTopic: n.mult === "multi",
        property: String(n.property ?? "payload"),
        ...(round !== undefined && Number.isInteger(round) && round >= 0 ? { round } : {}),
      },
    };
  },
  comment: (n) => ({ type: "comment", config: { text: String(n.info ?? "") } }),
  complete(n, warn) {
    const scope = Array.isArray(n.scope) ? (n.scope as string[]).map(safeId) : [];
    if (scope.length === 0) warn(`${n.id}: complete without nodes in its scope hears nothing; choose the nodes to watch`);
    return { type: "complete", config: { scope } };
  },
  "link out": (n) => ({ type: "link-out", config: n.mode === "return" ? { mode: "return" } : { links: [] } }),
  "link call"(n, warn) {
    if (n.linkType === "dynamic") warn(`${n.id}: link call with a target chosen by msg.target is not supported; name the link-in in "target"`);
    else if (!Array.isArray(n.links) || n.links.length === 0) warn(`${n.id}: link call without a link-in to call; set its "target"`);
    const seconds = Number(n.timeout ?? 30);
    return { type: "link-call", config: { target: "", timeout: `${Number.isFinite(seconds) && seconds > 0 ? seconds : 30}s` } };
  },
  ...ioConverters,
  ...parserConverters,
  template(n, warn) {
    const fieldType = String(n.fieldType || "msg");
    const target = fieldType === "flow" || fieldType === "global" ? fieldType : "msg";
    if (target !== fieldType) warn(`${n.id}: template result into ${fieldType} is not supported; it is set on msg`);
    const output = n.output === "json" ? "json" : n.output === "yaml" ? "yaml" : "text";
    const template = String(n.template ?? "");
    if (/\{\{\s*>/.test(template)) warn(`${n.id}: template partials ({{> name}}) render nothing in Wattflow`);
    if (/\{\{\s*(flow|global)\[/.test(template)) warn(`${n.id}: template context stores ({{flow[store].key}}) are not supported; Wattflow has one context store`);
    return { type: "template", config: { template, syntax: n.syntax === "plain" ? "plain" : "mustache", output, property: String(n.field || "payload"), target } };
  },
  "http request"(n, warn) {
    const method = String(n.method ?? "GET").toUpperCase();
    const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    if (!methods.includes(method)) warn(`${n.id}: http request method "${String(n.method)}" (msg.method) is not supported; GET is used`);
    const url = str(n.url);
    if (!url) warn(`${n.id}: http request without a URL takes msg.url in Node-RED; Wattflow needs one in the config (msg.url still overrides it): set it`);
    else if (url.includes("{{")) warn(`${n.id}: http request URL ${url} uses mustache; set msg.url before the node instead`);
    if (n.ret === "bin") warn(`${n.id}: http request returning a Buffer is not supported; the response is parsed as JSON or text`);
    for (const option of ["tls", "proxy"]) if (str(n[option])) warn(`${n.id}: http request ${option} settings are not carried over`);
    if (str(n.authType)) warn(`${n.id}: http request authentication (${String(n.authType)}) is not carried over; add an Authorization header with \${…}`);
    const headers = Array.isArray(n.headers)
      ? Object.fromEntries((n.headers as { keyType?: string; keyValue?: string; valueType?: string; valueValue?: string }[]).filter((h) => h.keyType === "other" && h.keyValue && h.valueType === "other").map((h) => [h.keyValue!, String(h.valueValue ?? "")]))
      : {};
    return { type: "http-request", config: { method: methods.includes(method) ? method : "GET", url: url ?? "http://localhost/", ...(Object.keys(headers).length ? { headers } : {}) } };
  },
  "influxdb out"(n, warn) {
    warn(`${n.id}: influxdb out writes a number payload as the field "value" in Node-RED; Wattflow's influx-write writes the payload's number, boolean and text leaves as fields, so send an object ({ value: 21.5 }) to keep the field name`);
    if (str(n.precision) || str(n.precisionV18FluxV20)) warn(`${n.id}: influxdb out time precision is not carried over; times are taken in milliseconds`);
    return {
      type: "influx-write",
      config: { ...(str(n.influxdb) ? { server: safeId(n.influxdb as string) } : {}), measurement: str(n.measurement) ?? "{{measurement}}", property: "payload", time: "" },
    };
  },
};

/** Config nodes Node-RED keeps at the top level, and editor-only nodes. */
const CONFIG_TYPES = new Set(["tab", "subflow", "group", "http proxy", "ui_base", "ui_tab", "ui_group", ...CONNECTION_CONFIG_TYPES]);

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

  const byId: ConfigNodes = new Map(all.map((n) => [n.id, n]));
  const subflows = nodeRedSubflows(
    all,
    (n) => (converters[n.type] ? converters[n.type]!(n, warn, byId) : undefined),
    (n, place) => void result.unsupported.push({ id: n.id, type: n.type, name: String(n.name ?? ""), flow: place }),
    warn,
  );
  const convertible = (type: string): boolean => converters[type] !== undefined || subflows.isInstance(type);
  for (const n of all) {
    if (n.type === "tab" || IO_CONFIG_TYPES.has(n.type) || subflows.isInner(n)) continue;
    if (CONFIG_TYPES.has(n.type)) {
      if (!CONNECTION_CONFIG_TYPES.has(n.type) && n.type !== "group" && n.type !== "subflow") result.unsupported.push({ id: n.id, type: n.type, name: String(n.name ?? ""), flow: flowOf(n) });
      continue;
    }
    const instance = subflows.isInstance(n.type) ? subflows.instance(n) : undefined;
    const convert = instance ? () => instance : converters[n.type];
    if (!convert) {
      result.unsupported.push({ id: n.id, type: n.type, name: String(n.name ?? ""), flow: flowOf(n) });
      continue;
    }
    const { type, config } = convert(n, warn, byId);
    const flow = flowOf(n);
    const targetOf = (id: string): string => (where.get(id) === flow ? safeId(id) : `${where.get(id) ?? "imported"}/${safeId(id)}`);
    if (n.type === "link out" && n.mode !== "return") config.links = (Array.isArray(n.links) ? (n.links as string[]) : []).map(targetOf);
    if (n.type === "link call") config.target = Array.isArray(n.links) && typeof n.links[0] === "string" ? targetOf(n.links[0]) : "";
    const node: FlowNode = {
      id: safeId(n.id),
      type,
      ...(str(n.name) ? { name: n.name as string } : {}),
      config,
      wires: (n.wires ?? []).filter((_, k) => !instance?.droppedPorts.has(k)).map((port) => port.filter((t) => where.has(t) && convertible(byId.get(t)!.type)).map(targetOf)),
      position: { x: Math.round(Number(n.x ?? 0)), y: Math.round(Number(n.y ?? 0)) },
      ...(n.d === true ? { disabled: true } : {}),
    };
    byFlow.set(flow, [...(byFlow.get(flow) ?? []), node]);
  }
  // Connections used inside a subflow are collected under the subflow, then given to every flow that uses it.
  // (a flow id is a slug, so it never holds the ":" of these keys)
  const inSubflow = (defId: string): string => `subflow:${safeId(defId)}`;
  const connections = connectionsByFlow(all, (n) => (subflows.isInner(n) ? inSubflow(n.z!) : flowOf(n)), warn);
  for (const [id, nodes] of byFlow) {
    const tab = tabs.find((t) => tabIds.get(t.id) === id);
    const defined = subflows.definitionsFor(nodes);
    const own = connections.get(id) ?? [];
    const inner = defined.flatMap((d) => connections.get(inSubflow(d.id)) ?? []);
    const used = [...new Set([...own, ...inner])];
    result.flows.push({ format: "wattflow/flow@1", id, label: String(tab?.label ?? id), description: "Imported from Node-RED", ...(used.length ? { connections: used } : {}), ...(defined.length ? { subflows: defined } : {}), nodes });
  }
  for (const u of result.unsupported) warn(`${u.id}: ${u.type}${u.name ? ` "${u.name}"` : ""} has no Wattflow counterpart and was not imported`);
  const dashboard = result.unsupported.filter((u) => u.type.startsWith("ui_"));
  if (dashboard.length) {
    warn(
      `${dashboard.length} Node-RED Dashboard node(s) (ui_*) were not imported: Wattflow has no dashboard widgets. Serve a page with http-file and feed it with ws-out or http-in; the wires into them were dropped`,
    );
  }
  return result;
}
