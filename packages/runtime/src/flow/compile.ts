import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { TObject } from "@sinclair/typebox";
import { CONNECTION_KEYWORD, RAW_KEYWORD, outputPorts, type AnyConnectionDefinition, type AnyNodeDefinition } from "../registry/define.js";
import type { Registry } from "../registry/registry.js";
import { DEFAULT_QUEUE_SIZE, type CompiledConnection, type CompiledFlow, type CompiledNode } from "./compiled.js";
import { describeAjvErrors } from "./ajv-issues.js";
import { canonicalJson, hashDocument, sha256 } from "./canonical.js";
import { interpolateDeep, type InterpolationContext } from "./interpolate.js";
import { migrateFlow } from "./migrate.js";
import { FlowDocumentSchema } from "./schema.js";
import { literalSecretWarnings } from "./secrets.js";
import type { FlowDocument, FlowIssue } from "./types.js";

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

export interface CompileOptions {
  registry: Registry;
  /** Usually process.env. */
  env: Record<string, string | undefined>;
  file?: string;
}

export type CompileResult = { ok: true; flow: CompiledFlow; warnings: FlowIssue[] } | { ok: false; errors: FlowIssue[] };

const documentAjv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateDocument = documentAjv.compile(FlowDocumentSchema);

// Configs get their defaults filled in, and strings from `${ENV}` coerced to the declared number/boolean.
const configAjv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: true, verbose: true });
addFormats(configAjv);
const validators = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: TObject): ValidateFunction {
  let v = validators.get(schema);
  if (!v) {
    v = configAjv.compile(schema);
    validators.set(schema, v);
  }
  return v;
}

/** Field names of a schema's properties that reference a connection, with the connection type. */
function connectionFields(schema: TObject): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const type = (prop as Record<string, unknown>)[CONNECTION_KEYWORD];
    if (typeof type === "string") out.push([name, type]);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function knownList(types: string[]): string {
  return types.length <= 12 ? ` (known: ${types.join(", ")})` : "";
}

/**
 * Validates and compiles a flow document in full, reporting every problem
 * at once. Nothing runs from a flow that has an error.
 */
export function compileFlow(raw: unknown, options: CompileOptions): CompileResult {
  const { registry, file } = options;
  const errors: FlowIssue[] = [];
  const warnings: FlowIssue[] = [];
  const rawId = isObject(raw) && typeof raw.id === "string" ? raw.id : undefined;
  const issue = (pointer: string, message: string, nodeId?: string): void => {
    errors.push({ ...(file ? { file } : {}), ...(rawId ? { flowId: rawId } : {}), ...(nodeId ? { nodeId } : {}), pointer, message });
  };

  const migrated = migrateFlow(raw);
  if (!migrated.ok) {
    issue("/format", migrated.message);
    return { ok: false, errors };
  }
  const doc = migrated.document;
  if (!isObject(doc)) {
    issue("", "a flow file must hold a JSON object");
    return { ok: false, errors };
  }
  const nodesRaw = Array.isArray(doc.nodes) ? doc.nodes : [];
  const nodeIdAt = (pointer: string): string | undefined => {
    const m = /^\/nodes\/(\d+)/.exec(pointer);
    if (!m) return undefined;
    const n = nodesRaw[Number(m[1])];
    return isObject(n) && typeof n.id === "string" ? n.id : undefined;
  };

  if (!validateDocument(doc)) {
    for (const e of describeAjvErrors(validateDocument.errors ?? [], doc)) issue(e.pointer, e.message, nodeIdAt(e.pointer));
  }

  const defaults: Record<string, string> = isObject(doc.env) ? (doc.env as Record<string, string>) : {};
  const flowEnv: Record<string, string> = { ...defaults };
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) flowEnv[k] = v;

  // Connections
  const connections: CompiledConnection[] = [];
  const connectionTypes = new Map<string, string>();
  const connectionsRaw = Array.isArray(doc.connections) ? doc.connections : [];
  connectionsRaw.forEach((c, i) => {
    if (!isObject(c) || typeof c.id !== "string" || typeof c.type !== "string") return;
    const pointer = `/connections/${i}`;
    if (connectionTypes.has(c.id)) issue(`${pointer}/id`, `duplicate connection id "${c.id}"`);
    connectionTypes.set(c.id, c.type);
    const definition = registry.connection(c.type);
    if (!definition) {
      issue(`${pointer}/type`, `unknown connection type "${c.type}"`);
      return;
    }
    const config = checkConfig(definition, c.config, `${pointer}/config`, undefined);
    if (config) {
      connections.push({
        id: c.id,
        type: c.type,
        name: typeof c.name === "string" ? c.name : undefined,
        config,
        definition,
        hash: sha256(canonicalJson({ type: c.type, config })),
      });
    }
  });

  // Nodes
  const ids = new Set<string>();
  for (const n of nodesRaw) if (isObject(n) && typeof n.id === "string") ids.add(n.id);
  const seen = new Set<string>();
  const nodes: CompiledNode[] = [];
  const types = registry.nodeTypes();
  nodesRaw.forEach((n, i) => {
    if (!isObject(n) || typeof n.id !== "string" || typeof n.type !== "string") return;
    const pointer = `/nodes/${i}`;
    const id = n.id;
    if (seen.has(id)) issue(`${pointer}/id`, `duplicate node id "${id}"`, id);
    seen.add(id);
    const definition = registry.node(n.type);
    if (!definition) {
      issue(`${pointer}/type`, `unknown node type "${n.type}"${knownList(types)}`, id);
      return;
    }
    const config = checkConfig(definition, n.config, `${pointer}/config`, id);

    const used: string[] = [];
    if (config) for (const [field, type] of connectionFields(definition.config)) {
      const ref = config[field];
      if (typeof ref !== "string" || ref === "") continue;
      const actual = connectionTypes.get(ref);
      if (actual === undefined) issue(`${pointer}/config/${field}`, `must name a ${type} connection of this flow (no connection "${ref}")`, id);
      else if (actual !== type) issue(`${pointer}/config/${field}`, `must name a ${type} connection ("${ref}" is a ${actual})`, id);
      else used.push(ref);
    }

    const ports = config ? outputPorts(definition, config) : definition.outputs;
    const wires = Array.isArray(n.wires) ? (n.wires as unknown[]).map((p) => (Array.isArray(p) ? p.filter((w): w is string => typeof w === "string") : [])) : [];
    if (wires.length > ports.length && wires.slice(ports.length).some((p) => p.length > 0)) {
      issue(`${pointer}/wires`, `has ${wires.length} output ports wired but ${n.type} has ${ports.length}`, id);
    }
    wires.forEach((port, p) =>
      port.forEach((target, w) => {
        if (!target.includes("/") && !ids.has(target)) issue(`${pointer}/wires/${p}/${w}`, `points at node "${target}", which is not in this flow`, id);
        if (definition.inputs === 0 && target === id) issue(`${pointer}/wires/${p}/${w}`, "a node cannot wire to itself", id);
      }),
    );
    for (const target of config ? (definition.virtualWires?.(config) ?? []) : []) {
      if (!target.includes("/") && !ids.has(target)) issue(`${pointer}/config`, `links to node "${target}", which is not in this flow`, id);
    }
    for (const t of wires.flat()) {
      const targetNode = nodesRaw.find((m) => isObject(m) && m.id === t);
      const targetDef = isObject(targetNode) && typeof targetNode.type === "string" ? registry.node(targetNode.type) : undefined;
      if (targetDef && targetDef.inputs === 0) issue(`${pointer}/wires`, `wires to "${t}", a ${targetDef.type} node, which has no input`, id);
    }

    if (!config) return;
    const queueRaw = isObject(n.queue) ? n.queue : {};
    const queue = {
      size: typeof queueRaw.size === "number" ? queueRaw.size : DEFAULT_QUEUE_SIZE,
      policy: (queueRaw.policy as CompiledNode["queue"]["policy"] | undefined) ?? "block",
      ...(typeof queueRaw.concurrency === "number" ? { concurrency: queueRaw.concurrency } : {}),
    };
    const name = typeof n.name === "string" ? n.name : undefined;
    const disabled = n.disabled === true;
    nodes.push({
      id,
      type: n.type,
      name,
      config,
      wires: wires.slice(0, Math.max(ports.length, 1)),
      queue,
      disabled,
      definition,
      ports,
      connections: used,
      hash: sha256(canonicalJson({ type: n.type, name, config, queue, disabled })),
    });
  });

  if (errors.length > 0) return { ok: false, errors };
  const document = doc as unknown as FlowDocument;
  warnings.push(...literalSecretWarnings(document, registry, file));
  return {
    ok: true,
    warnings,
    flow: {
      id: document.id,
      label: document.label ?? document.id,
      document,
      env: flowEnv,
      connections,
      nodes,
      hash: hashDocument(document),
      file,
    },
  };

  function checkConfig(
    definition: AnyNodeDefinition | AnyConnectionDefinition,
    rawConfig: unknown,
    pointer: string,
    nodeId: string | undefined,
  ): Record<string, unknown> | undefined {
    let failed = false;
    const ctx: InterpolationContext = {
      env: options.env,
      defaults,
      issue: (p, message) => {
        failed = true;
        issue(p, message, nodeId);
      },
    };
    const given = isObject(rawConfig) ? rawConfig : {};
    const config = interpolateDeep(given, pointer, ctx) as Record<string, unknown>;
    // Fields such as a function's code keep their `${...}`: JavaScript template literals are not variables.
    for (const [name, prop] of Object.entries(definition.config.properties ?? {})) {
      if ((prop as Record<string, unknown>)[RAW_KEYWORD] === true && name in given) config[name] = given[name];
    }
    const validate = validatorFor(definition.config);
    if (!validate(config)) {
      failed = true;
      for (const e of describeAjvErrors(validate.errors ?? [], config)) issue(`${pointer}${e.pointer}`, e.message, nodeId);
    }
    return failed ? undefined : config;
  }
}

/** One line a person can act on: `solar.json: solar/poll /nodes/0/config/interval: must match …`. */
export function formatIssue(issue: FlowIssue): string {
  const where = [issue.flowId, issue.nodeId].filter(Boolean).join("/");
  return `${issue.file ? `${issue.file}: ` : ""}${where ? `${where} ` : ""}${issue.pointer || "/"}: ${issue.message}`;
}
