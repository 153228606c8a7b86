/**
 * Node-RED subflows as Wattflow subflows. A Node-RED `subflow` definition
 * (its nodes carry `z: <subflow id>`) becomes a `subflows` entry of every
 * flow that uses it, and each `subflow:<id>` instance a node of the same
 * type. The subflow's environment variables become typed parameters: an
 * instance's `env` overrides are its config, `${NAME}` in inner fields and a
 * change rule setting a value from env NAME take the parameter.
 */
import type { FlowNode, FlowSubflow } from "../types.js";
import type { NodeRedNode } from "./convert.js";

type Warn = (text: string) => void;
type Json = Record<string, unknown>;

const ID = /[^A-Za-z0-9_-]/g;
const safeId = (raw: string): string => {
  const id = raw.replace(ID, "_");
  return /^[A-Za-z0-9]/.test(id) ? id : `n${id}`;
};
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SUBFLOW = "subflow:";

interface EnvEntry {
  name: string;
  type?: string;
  value?: unknown;
}

/** A Node-RED env entry's value with its type (`num`, `bool`, `json`, `str`; `env` refers to another variable). */
function envValue(e: EnvEntry): unknown {
  const t = e.type ?? "str";
  if (t === "num") return Number(e.value);
  if (t === "bool") return e.value === true || e.value === "true";
  if (t === "json" && typeof e.value === "string") {
    try {
      return JSON.parse(e.value) as unknown;
    } catch {
      return e.value;
    }
  }
  if (t === "env") return `\${${String(e.value)}}`;
  return e.value === undefined ? "" : String(e.value);
}

/** The JSON Schema of a parameter, its default the definition's value. */
function paramSchema(e: EnvEntry): Json {
  const t = e.type ?? "str";
  const value = envValue(e);
  if (t === "num") return { type: "number", default: value };
  if (t === "bool") return { type: "boolean", default: value };
  if (t === "json") return { default: value };
  return { type: "string", default: t === "env" ? value : String(value) };
}

/** What a change rule's `valueType` is for a parameter of this Node-RED type. */
const valueTypeOf = (t: string | undefined): string => (t === "num" ? "number" : t === "bool" ? "boolean" : t === "json" ? "json" : "string");

const envEntries = (v: unknown): EnvEntry[] =>
  (Array.isArray(v) ? v : []).filter((e): e is EnvEntry => !!e && typeof e === "object" && typeof (e as EnvEntry).name === "string");

export interface SubflowConverter {
  /** True for a node inside a subflow definition (converted with its definition, not as a flow's node). */
  isInner(n: NodeRedNode): boolean;
  /** True for an instance of a subflow the export defines. */
  isInstance(type: string): boolean;
  /** An instance as a Wattflow node's type and config (the parameters it overrides), and the output ports whose wires are dropped. */
  instance(n: NodeRedNode): { type: string; config: Record<string, unknown>; droppedPorts: ReadonlySet<number> };
  /** The definitions a flow's nodes use, converted (each once per export). */
  definitionsFor(nodes: readonly FlowNode[]): FlowSubflow[];
}

/**
 * @param convert converts one inner node as a flow's node would be
 *   (undefined when its type has no counterpart: it is reported by the caller's `unsupported`)
 */
export function nodeRedSubflows(all: readonly NodeRedNode[], convert: (n: NodeRedNode) => { type: string; config: Record<string, unknown> } | undefined, unsupported: (n: NodeRedNode, where: string) => void, warn: Warn): SubflowConverter {
  const defs = new Map(all.filter((n) => n.type === "subflow").map((d) => [d.id, d]));
  const converted = new Map<string, FlowSubflow>();
  /** Output ports of a definition that could not be carried over (an instance's wires from them are dropped). */
  const droppedPorts = new Map<string, Set<number>>();

  const define = (def: NodeRedNode): FlowSubflow => {
    const where = `subflow "${String(def.name ?? def.id)}"`;
    const params: Record<string, Json> = {};
    const paramTypes = new Map<string, string | undefined>();
    for (const e of envEntries(def.env)) {
      if (!PARAM_NAME.test(e.name)) {
        warn(`${def.id}: ${where} property "${e.name}" is not a valid parameter name (letters, digits, _); left out`);
        continue;
      }
      if (e.type === "cred") warn(`${def.id}: ${where} credential "${e.name}" is not in the export; set it on each instance`);
      params[e.name] = e.type === "cred" ? { type: "string", default: "" } : paramSchema(e);
      paramTypes.set(e.name, e.type);
    }
    const innerRaw = all.filter((n) => n.z === def.id);
    const nodes: FlowNode[] = [];
    for (const n of innerRaw) {
      if (n.type.startsWith(SUBFLOW)) {
        warn(`${n.id}: ${where} contains an instance of another subflow; Wattflow subflows cannot nest, so it was not imported`);
        continue;
      }
      const out = convert(n);
      if (!out) {
        unsupported(n, where);
        continue;
      }
      nodes.push({
        id: safeId(n.id),
        type: out.type,
        ...(typeof n.name === "string" && n.name !== "" ? { name: n.name } : {}),
        config: withParams(n, out, paramTypes, where, warn),
        wires: (n.wires ?? []).map((port) => port.map(safeId)),
        position: { x: Math.round(Number(n.x ?? 0)), y: Math.round(Number(n.y ?? 0)) },
        ...(n.d === true ? { disabled: true } : {}),
      });
    }
    // Wires to inner nodes that were not imported are dropped.
    const kept = new Set(nodes.map((n) => n.id));
    for (const n of nodes) n.wires = n.wires?.map((port) => port.filter((t) => kept.has(t)));

    const ports = (v: unknown): { id: string; port?: number }[][] =>
      (Array.isArray(v) ? v : []).map((p) => (Array.isArray((p as { wires?: unknown }).wires) ? ((p as { wires: { id: string; port?: number }[] }).wires) : []));
    const inputs = ports(def.in)[0] ?? [];
    const input = inputs.map((w) => safeId(w.id)).filter((id) => kept.has(id));
    const outputs: { node: string; port: number }[] = [];
    const dropped = new Set<number>();
    ports(def.out).forEach((sources, k) => {
      if (sources.length > 1) warn(`${def.id}: ${where} output ${k + 1} has ${sources.length} sources; Wattflow takes one per output, the first (${sources[0]!.id}) is kept`);
      const first = sources[0];
      if (first && first.id === def.id) {
        // The input wired straight to this output: a node that passes each message on stands in for the wire.
        const id = kept.has("passthrough") ? `passthrough-${k}` : "passthrough";
        nodes.push({ id, type: "function", name: "input passed through", config: { code: "return msg;" }, position: { x: 0, y: 0 } });
        kept.add(id);
        input.push(id);
        outputs.push({ node: id, port: 0 });
      } else if (first && kept.has(safeId(first.id))) {
        outputs.push({ node: safeId(first.id), port: Number(first.port ?? 0) });
      } else {
        warn(`${def.id}: ${where} output ${k + 1} has no imported source; it was left out, with the instances' wires from it`);
        dropped.add(k);
      }
    });
    if (def.status) warn(`${def.id}: ${where} status output is not supported; left out`);
    droppedPorts.set(def.id, dropped);
    const info = typeof def.info === "string" && def.info.trim() !== "" ? def.info.trim() : undefined;
    return {
      id: safeId(def.id),
      ...(typeof def.name === "string" && def.name !== "" ? { label: def.name } : {}),
      description: info ?? "Imported from Node-RED",
      ...(Object.keys(params).length ? { params } : {}),
      input,
      outputs,
      nodes,
    };
  };
  const definition = (id: string): FlowSubflow | undefined => {
    const def = defs.get(id);
    if (!def) return undefined;
    if (!converted.has(id)) converted.set(id, define(def));
    return converted.get(id);
  };

  return {
    isInner: (n) => n.z !== undefined && defs.has(n.z),
    isInstance: (type) => type.startsWith(SUBFLOW) && defs.has(type.slice(SUBFLOW.length)),
    instance(n) {
      const defId = n.type.slice(SUBFLOW.length);
      const sub = definition(defId)!;
      const config: Record<string, unknown> = {};
      for (const e of envEntries(n.env)) {
        if (!sub.params || !Object.hasOwn(sub.params, e.name)) {
          warn(`${n.id}: subflow instance sets "${e.name}", which its subflow does not define; left out`);
          continue;
        }
        config[e.name] = envValue(e);
      }
      return { type: `${SUBFLOW}${sub.id}`, config, droppedPorts: droppedPorts.get(defId) ?? new Set() };
    },
    definitionsFor(nodes) {
      const used = new Set(nodes.filter((n) => n.type.startsWith(SUBFLOW)).map((n) => n.type.slice(SUBFLOW.length)));
      return [...defs.keys()].filter((id) => used.has(safeId(id))).map((id) => definition(id)!);
    },
  };
}

/**
 * An inner node's converted config with the subflow's parameters put where
 * Node-RED reads its environment: a change rule's value from env NAME becomes
 * `${NAME}` with the parameter's type. Code that reads env is reported, since
 * Wattflow fills parameters into config fields, never into code.
 */
function withParams(n: NodeRedNode, out: { type: string; config: Record<string, unknown> }, params: Map<string, string | undefined>, where: string, warn: Warn): Record<string, unknown> {
  const config = out.config;
  if (out.type === "change" && Array.isArray(config.rules)) {
    config.rules = (config.rules as Json[]).map((r) =>
      r.valueType === "env" && typeof r.value === "string" && params.has(r.value) ? { ...r, value: `\${${r.value}}`, valueType: valueTypeOf(params.get(r.value)) } : r,
    );
  }
  if (out.type === "function" && typeof config.code === "string") {
    const read = [...params.keys()].filter((name) => new RegExp(`env(\\.get)?\\(\\s*["'\`]${name}["'\`]`).test(config.code as string));
    if (read.length) warn(`${n.id}: code in ${where} reads ${read.join(", ")} from env; Wattflow subflow parameters fill config fields, not code, so it reads the runtime's environment instead (use a change node setting msg properties from \${NAME} before it)`);
  }
  return config;
}
