import type { TObject } from "@sinclair/typebox";
import { RAW_KEYWORD } from "../registry/define.js";
import type { Registry } from "../registry/registry.js";

/**
 * Subflows: a fragment of nodes defined once in a flow's `subflows` list,
 * with typed parameters, and used by nodes of type `subflow:<id>`. Each use
 * is expanded at compile time into its own copies of the inner nodes, so the
 * engine, diffs and metrics only ever see ordinary nodes.
 */

export const SUBFLOW_PREFIX = "subflow:";
/**
 * Joins an instance id and an inner node id. Not "/", which already means a
 * node in another flow; not a character node ids may hold, so an expanded id
 * can never collide with a node written in the file.
 */
export const SUBFLOW_ID_SEPARATOR = ".";

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);

/** A node of the flow after expansion, with where its text is (for errors) and the document index it came from. */
export interface ExpandedNode {
  node: Json;
  /** JSON pointer of the node's text: `/nodes/3`, or `/subflows/0/nodes/1` for an inner node. */
  pointer: string;
  /** Index in the document's `nodes` for nodes written there; undefined for copies made from a subflow. */
  docIndex?: number;
  /** The instance node a copy was made for. */
  instance?: string;
}

export interface ExpandContext {
  registry: Registry;
  /** Validates an instance's config against the parameter schema (interpolated, defaulted); undefined when it has errors. */
  checkParams(schema: TObject, given: unknown, pointer: string, nodeId: string): Json | undefined;
  issue(pointer: string, message: string, nodeId?: string): void;
}

interface SubflowDef {
  index: number;
  id: string;
  schema: TObject;
  input: string[];
  outputs: { node: string; port: number }[];
  nodes: Json[];
}

/** The parameter schema of a subflow: one JSON Schema per parameter; those without a default are required. */
export function paramsSchema(params: unknown): TObject {
  const properties: Record<string, unknown> = isObject(params) ? params : {};
  const required = Object.entries(properties)
    .filter(([, p]) => !(isObject(p) && Object.hasOwn(p, "default")))
    .map(([name]) => name);
  return { type: "object", properties, required, additionalProperties: false } as unknown as TObject;
}

function readDefinitions(doc: Json): Map<string, SubflowDef> {
  const defs = new Map<string, SubflowDef>();
  const list: unknown[] = Array.isArray(doc.subflows) ? doc.subflows : [];
  list.forEach((s, index) => {
    // The document schema has already said what is wrong with a malformed definition.
    if (!isObject(s) || typeof s.id !== "string" || defs.has(s.id)) return;
    defs.set(s.id, {
      index,
      id: s.id,
      schema: paramsSchema(s.params),
      input: Array.isArray(s.input) ? s.input.filter((v): v is string => typeof v === "string") : [],
      outputs: (Array.isArray(s.outputs) ? s.outputs : []).filter(isObject).map((o) => ({
        node: typeof o.node === "string" ? o.node : "",
        port: typeof o.port === "number" ? o.port : 0,
      })),
      nodes: (Array.isArray(s.nodes) ? s.nodes : []).filter(isObject),
    });
  });
  return defs;
}

/** Checks a definition on its own: its input and outputs name its nodes, its wires stay inside it, no nesting. */
function checkDefinition(def: SubflowDef, ctx: ExpandContext): boolean {
  const base = `/subflows/${def.index}`;
  const inner = new Set(def.nodes.map((n) => n.id).filter((id): id is string => typeof id === "string"));
  let ok = true;
  const bad = (pointer: string, message: string): void => {
    ok = false;
    ctx.issue(`${base}${pointer}`, `subflow "${def.id}": ${message}`);
  };
  def.input.forEach((id, i) => {
    if (!inner.has(id)) bad(`/input/${i}`, `input names node "${id}", which is not in the subflow`);
  });
  def.outputs.forEach((o, i) => {
    if (!inner.has(o.node)) bad(`/outputs/${i}/node`, `output ${i} names node "${o.node}", which is not in the subflow`);
  });
  def.nodes.forEach((n, j) => {
    if (typeof n.type === "string" && n.type.startsWith(SUBFLOW_PREFIX)) bad(`/nodes/${j}/type`, "a subflow cannot contain a subflow instance");
    const wires: unknown[] = Array.isArray(n.wires) ? n.wires : [];
    wires.forEach((port, p) =>
      (Array.isArray(port) ? port : []).forEach((target, w) => {
        if (typeof target === "string" && !inner.has(target)) {
          bad(`/nodes/${j}/wires/${p}/${w}`, `node "${String(n.id)}" wires to "${target}", which is not in the subflow (leave through an output)`);
        }
      }),
    );
  });
  return ok;
}

const PARAM = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * `${param}` filled in from the instance's parameters. A string that is one
 * reference takes the parameter's value with its type (a number stays a
 * number, a list stays a list); inside a longer string it is written as text.
 * Other `${NAME}`s are left for the environment.
 */
export function substituteParams(value: unknown, params: Json): unknown {
  if (typeof value === "string") {
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
    if (whole && Object.hasOwn(params, whole[1]!)) return structuredClone(params[whole[1]!]);
    return value.replace(PARAM, (ref: string, name: string, offset: number) => {
      // `$${` is a literal `${`, as for environment variables.
      if (offset > 0 && value[offset - 1] === "$") return ref;
      if (!Object.hasOwn(params, name)) return ref;
      const v = params[name];
      return typeof v === "string" ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substituteParams(v, params));
  if (isObject(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: substituteParams(v, params), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** An inner node's config with parameters filled in, except in fields its type keeps verbatim (code). */
function innerConfig(node: Json, params: Json, registry: Registry): unknown {
  if (!isObject(node.config)) return node.config;
  const schema = typeof node.type === "string" ? registry.node(node.type)?.config : undefined;
  const raw = new Set(
    Object.entries(schema?.properties ?? {})
      .filter(([, prop]) => (prop as Json)[RAW_KEYWORD] === true)
      .map(([name]) => name),
  );
  const out: Json = {};
  for (const [k, v] of Object.entries(node.config)) {
    Object.defineProperty(out, k, { value: raw.has(k) ? v : substituteParams(v, params), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The flow's nodes with every subflow instance replaced by prefixed copies of
 * the subflow's nodes, and wires into an instance redirected to the copies
 * named by the subflow's `input`. Problems are reported through `ctx.issue`;
 * an instance with bad parameters is left out (its error is enough).
 */
export function expandSubflows(doc: Json, nodesRaw: readonly unknown[], ctx: ExpandContext): ExpandedNode[] {
  const defs = readDefinitions(doc);
  const usable = new Map([...defs].filter(([, def]) => checkDefinition(def, ctx)));
  const isInstance = (n: unknown): n is Json & { id: string; type: string } =>
    isObject(n) && typeof n.id === "string" && typeof n.type === "string" && n.type.startsWith(SUBFLOW_PREFIX);
  const qualify = (instance: string, inner: string): string => `${instance}${SUBFLOW_ID_SEPARATOR}${inner}`;

  // Parameters first: where a wire into an instance goes depends on whether it expands.
  const expandable = new Map<string, { def: SubflowDef; params: Json }>();
  const entries = new Map<string, string[]>();
  const idCount = new Map<string, number>();
  for (const n of nodesRaw) if (isObject(n) && typeof n.id === "string") idCount.set(n.id, (idCount.get(n.id) ?? 0) + 1);
  nodesRaw.forEach((n, i) => {
    if (!isInstance(n)) return;
    const pointer = `/nodes/${i}`;
    // An instance leaves no node of its own id behind, so the compiler's duplicate check would not see this one.
    if ((idCount.get(n.id) ?? 0) > 1) ctx.issue(`${pointer}/id`, `duplicate node id "${n.id}"`, n.id);
    if (n.queue !== undefined) ctx.issue(`${pointer}/queue`, "a subflow instance has no queue of its own: set queue on the subflow's nodes", n.id);
    const name = n.type.slice(SUBFLOW_PREFIX.length);
    // Wires into an instance that cannot expand are dropped: its own error says why.
    entries.set(n.id, []);
    const def = defs.get(name);
    if (!def) {
      const known = [...defs.keys()];
      ctx.issue(`${pointer}/type`, `unknown subflow "${name}" (${known.length > 0 ? `this flow defines: ${known.join(", ")}` : "this flow defines no subflows"})`, n.id);
      return;
    }
    const params = ctx.checkParams(def.schema, n.config, `${pointer}/config`, n.id);
    const instanceWires: unknown[] = Array.isArray(n.wires) ? n.wires : [];
    if (instanceWires.slice(def.outputs.length).some((p) => Array.isArray(p) && p.length > 0)) {
      ctx.issue(`${pointer}/wires`, `has ${instanceWires.length} output ports wired but subflow "${def.id}" has ${def.outputs.length}`, n.id);
    }
    if (!params || !usable.has(name)) return;
    expandable.set(n.id, { def, params });
    entries.set(n.id, def.input.map((inner) => qualify(n.id, inner)));
  });
  const redirect = (wires: unknown): unknown =>
    Array.isArray(wires)
      ? wires.map((port) => (Array.isArray(port) ? port.flatMap((t) => (typeof t === "string" && entries.has(t) ? entries.get(t)! : [t])) : port))
      : wires;

  const out: ExpandedNode[] = [];
  nodesRaw.forEach((n, i) => {
    if (!isInstance(n)) {
      out.push({ node: isObject(n) ? { ...n, wires: redirect(n.wires) } : (n as Json), pointer: `/nodes/${i}`, docIndex: i });
      return;
    }
    const found = expandable.get(n.id);
    if (!found) return;
    const { def, params } = found;
    const instanceWires: unknown[] = Array.isArray(n.wires) ? n.wires : [];
    const outputTargets = (wires: unknown[]): string[] => wires.filter((t): t is string => typeof t === "string");
    def.nodes.forEach((inner, j) => {
      if (typeof inner.id !== "string") return;
      const innerWires: string[][] = (Array.isArray(inner.wires) ? inner.wires : []).map((port: unknown) =>
        (Array.isArray(port) ? port : []).filter((t): t is string => typeof t === "string").map((t) => qualify(n.id, t)),
      );
      def.outputs.forEach((o, k) => {
        if (o.node !== inner.id) return;
        while (innerWires.length <= o.port) innerWires.push([]);
        const targets = Array.isArray(instanceWires[k]) ? outputTargets(instanceWires[k] as unknown[]) : [];
        innerWires[o.port]!.push(...targets);
      });
      const copy: Json = { ...inner, id: qualify(n.id, inner.id), config: innerConfig(inner, params, ctx.registry), wires: redirect(innerWires) };
      if (copy.config === undefined) delete copy.config;
      // A disabled instance disables every copy; a name (parameters filled in) says which instance a copy belongs to.
      if (n.disabled === true) copy.disabled = true;
      copy.name = typeof inner.name === "string" ? substituteParams(inner.name, params) : `${typeof n.name === "string" ? n.name : n.id}: ${inner.id}`;
      delete copy.position;
      out.push({ node: copy, pointer: `/subflows/${def.index}/nodes/${j}`, instance: n.id });
    });
  });
  return out;
}
