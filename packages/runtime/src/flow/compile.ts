import { dirname } from "node:path";
import type { TObject } from "@sinclair/typebox";
import { RAW_KEYWORD, outputPorts, type AnyNodeDefinition } from "../registry/define.js";
import type { Registry } from "../registry/registry.js";
import { DEFAULT_QUEUE_SIZE, type CompiledConnection, type CompiledFlow, type CompiledNode } from "./compiled.js";
import { canonicalJson, hashDocument, sha256 } from "./canonical.js";
import { interpolateDeep } from "./interpolate.js";
import { resolveFileRefs } from "./file-refs.js";
import { migrateFlow, migrateNodeConfig } from "./migrate.js";
import { literalSecretWarnings, secretFields } from "./secrets.js";
import { expandSubflows } from "./subflow.js";
import { checkConnectionRefs, closest, documentOrder, validateConfig, validateDocumentShape, type Problem } from "./validate.js";
import type { FlowDocument, FlowIssue, QueuePolicy } from "./types.js";

export interface CompileOptions {
  registry: Registry;
  /** Usually process.env; wins over the flow's `env` defaults. */
  env: Record<string, string | undefined>;
  /** Named in every issue. */
  file?: string;
  /** Where file references in node configs are resolved (default: the folder of `file`). */
  baseDir?: string;
}

export type CompileResult = { ok: true; flow: CompiledFlow; warnings: FlowIssue[] } | { ok: false; errors: FlowIssue[] };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);
const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/**
 * Validates and compiles a flow document in full, reporting every problem
 * at once (a person fixing a file should not have to deploy once per typo).
 * Nothing runs from a flow that has an error.
 */
const withSecrets = new WeakMap<TObject, boolean>();
/** Whether a type's config has secret fields (asked per node at every deploy, so answered once per schema). */
function hasSecretFields(schema: TObject): boolean {
  let has = withSecrets.get(schema);
  if (has === undefined) withSecrets.set(schema, (has = secretFields(schema).length > 0));
  return has;
}

export function compileFlow(raw: unknown, options: CompileOptions): CompileResult {
  const { registry, file } = options;
  const errors: FlowIssue[] = [];
  const flowId = isObject(raw) && typeof raw.id === "string" ? raw.id : undefined;
  const issue = (pointer: string, message: string, nodeId?: string): void => {
    errors.push({ ...(file !== undefined ? { file } : {}), ...(flowId !== undefined ? { flowId } : {}), ...(nodeId !== undefined ? { nodeId } : {}), pointer, message });
  };
  const fail = (): CompileResult => ({ ok: false, errors: documentOrder(errors) });

  const migrated = migrateFlow(raw);
  if (migrated.issue) {
    issue(migrated.issue.pointer, migrated.issue.message);
    return fail();
  }
  const doc = migrated.document;
  if (!isObject(doc)) {
    issue("", `a flow file must hold a JSON object (got ${Array.isArray(doc) ? "an array" : doc === null ? "null" : typeof doc})`);
    return fail();
  }
  const nodesRaw: unknown[] = Array.isArray(doc.nodes) ? doc.nodes : [];
  const connectionsRaw: unknown[] = Array.isArray(doc.connections) ? doc.connections : [];
  const nodeIdAt = (pointer: string): string | undefined => {
    const n = nodesRaw[Number(/^\/nodes\/(\d+)/.exec(pointer)?.[1] ?? NaN)];
    return isObject(n) && typeof n.id === "string" ? n.id : undefined;
  };
  for (const p of validateDocumentShape(doc)) issue(p.pointer, p.message, nodeIdAt(p.pointer));

  const defaults: Record<string, string> = {};
  if (isObject(doc.env)) for (const [k, v] of Object.entries(doc.env)) if (typeof v === "string") defaults[k] = v;
  const env: Record<string, string> = { ...defaults };
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;

  /**
   * Interpolates and validates one config; undefined when it has errors.
   * `checked` is the interpolated, defaulted config even then, so later
   * checks (connection references) can still report their own problems.
   */
  const checkConfig = (
    schema: TObject,
    given: unknown,
    pointer: string,
    nodeId: string | undefined,
  ): { config: Json | undefined; checked: Json; unresolved: ReadonlySet<string> } => {
    const unresolved = new Set<string>();
    // A config that is not an object is already a schema error; validating {} in its place would only add noise.
    if (given !== undefined && !isObject(given)) return { config: undefined, checked: {}, unresolved };
    const source = given ?? {};
    // Fields such as a function's code keep their `${...}`: JavaScript template literals are not variables.
    const rawFields = Object.entries(schema.properties ?? {})
      .filter(([name, prop]) => (prop as Json)[RAW_KEYWORD] === true && Object.hasOwn(source, name))
      .map(([name]) => name);
    const interpolated: Json = { ...source };
    for (const name of rawFields) delete interpolated[name];
    let fromEnvironment = false;
    const checked = interpolateDeep(interpolated, pointer, {
      env: options.env,
      defaults,
      issue: (p, message) => {
        unresolved.add(p);
        issue(p, message, nodeId);
      },
      fromEnvironment: () => (fromEnvironment = true),
    }) as Json;
    for (const name of rawFields) checked[name] = structuredClone(source[name]);
    // A field whose variable is unset already has its error; "must match …" about the placeholder would repeat it.
    // What validation made of a config is kept on disk for the next start, unless it may hold a secret: a value
    // the environment supplied (secrets live there) or a type with secret fields.
    const keep = !fromEnvironment && !hasSecretFields(schema);
    const problems = validateConfig(schema, checked, { keep }).filter((p) => !unresolved.has(`${pointer}${p.pointer}`));
    for (const p of problems) issue(`${pointer}${p.pointer}`, p.message, nodeId);
    return { config: unresolved.size === 0 && problems.length === 0 ? checked : undefined, checked, unresolved };
  };

  // Connections first: nodes' references are checked against them.
  const connections: CompiledConnection[] = [];
  const connectionTypes = new Map<string, string>();
  connectionsRaw.forEach((c, i) => {
    if (!isObject(c) || typeof c.id !== "string" || typeof c.type !== "string") return; // the schema said why
    const pointer = `/connections/${i}`;
    if (connectionTypes.has(c.id)) issue(`${pointer}/id`, `duplicate connection id "${c.id}"`);
    else connectionTypes.set(c.id, c.type);
    const definition = registry.connection(c.type);
    if (!definition) {
      const known = registry.catalog().connections.map((k) => k.type);
      issue(`${pointer}/type`, `unknown connection type "${c.type}"${hint(c.type, known)}`);
      return;
    }
    const { config } = checkConfig(definition.config, c.config, `${pointer}/config`, undefined);
    if (!config) return;
    const name = typeof c.name === "string" ? c.name : undefined;
    // The name is a label only (a connection's handle never sees it), so renaming restarts nothing.
    connections.push({ id: c.id, type: c.type, name, config, definition, hash: sha256(canonicalJson({ type: c.type, config })) });
  });

  // Subflow instances become copies of their inner nodes here; from now on every node is an ordinary one.
  const expanded = expandSubflows(doc, nodesRaw, {
    registry,
    issue,
    checkParams: (schema, given, pointer, nodeId) => checkConfig(schema, given ?? {}, pointer, nodeId).config,
  });
  const nodeTypes = new Map<string, string>();
  for (const { node: n } of expanded) if (typeof n.id === "string" && typeof n.type === "string" && !nodeTypes.has(n.id)) nodeTypes.set(n.id, n.type);
  const seen = new Set<string>();
  const nodes: CompiledNode[] = [];
  // Nodes whose config was migrated to their type's current version, by index: the document carries the result.
  const migratedNodes = new Map<number, { typeVersion: number; config: Json }>();
  const warnings: FlowIssue[] = [];
  expanded.forEach(({ node: n, pointer, docIndex }) => {
    if (!isObject(n) || typeof n.id !== "string" || typeof n.type !== "string") return; // the schema said why
    const id = n.id;
    const report = (p: Problem): void => issue(`${pointer}${p.pointer}`, p.message, id);
    if (seen.has(id)) report({ pointer: "/id", message: `duplicate node id "${id}"` });
    seen.add(id);
    const definition = registry.node(n.type);
    if (!definition) {
      report({ pointer: "/type", message: `unknown node type "${n.type}"${hint(n.type, registry.nodeTypes())}` });
      return;
    }
    const migration = migrateNodeConfig(definition, n.typeVersion, n.config, registry.nodeModule(n.type));
    if (!migration.ok) {
      report({ pointer: migration.pointer, message: migration.message });
      return;
    }
    if (migration.migratedFrom !== undefined && isObject(migration.config)) {
      // Copies made from a subflow are migrated in memory only; the definition in the file keeps its text.
      if (docIndex !== undefined) migratedNodes.set(docIndex, { typeVersion: migration.version, config: migration.config });
      warnings.push({
        ...(file !== undefined ? { file } : {}),
        ...(flowId !== undefined ? { flowId } : {}),
        nodeId: id,
        pointer: `${pointer}/typeVersion`,
        message: `written for ${n.type} version ${migration.migratedFrom}, migrated to version ${migration.version} on load (saving the flow records version ${migration.version})`,
      });
    }
    const { config, checked, unresolved } = checkConfig(definition.config, migration.config, `${pointer}/config`, id);
    const refs = checkConnectionRefs(definition.config, checked, connectionTypes);
    for (const p of refs.problems) if (!unresolved.has(`${pointer}/config${p.pointer}`)) report({ pointer: `/config${p.pointer}`, message: p.message });

    const wires = Array.isArray(n.wires) ? n.wires.map(stringsOf) : [];
    const ports = portsOf(definition, config, report);
    for (const p of checkWires(definition, ports, wires, nodeTypes, registry)) report(p);
    if (config) for (const p of checkVirtualWires(definition, config, nodeTypes)) report(p);
    const extra = config ? deepChecks(definition, config) : [];
    for (const p of extra) report(p);
    if (extra.length > 0) return;

    if (!config || ports === undefined) return;
    const files = resolveFileRefs(definition.config, config, options.baseDir ?? (file !== undefined ? dirname(file) : undefined));
    for (const p of files.problems) report({ pointer: `/config${p.pointer}`, message: p.message });
    if (files.problems.length > 0) return;
    const queueRaw = isObject(n.queue) ? n.queue : {};
    const queue: CompiledNode["queue"] = {
      size: typeof queueRaw.size === "number" ? queueRaw.size : DEFAULT_QUEUE_SIZE,
      // Blocking is the safe default: pressure reaches the source instead of losing readings silently.
      policy: typeof queueRaw.policy === "string" ? (queueRaw.policy as QueuePolicy) : "block",
      ...(typeof queueRaw.concurrency === "number" ? { concurrency: queueRaw.concurrency } : {}),
    };
    const name = typeof n.name === "string" ? n.name : undefined;
    const disabled = n.disabled === true;
    nodes.push({
      id,
      type: n.type,
      name,
      config: files.config,
      // Trailing empty ports beyond the type's outputs are tolerated (Node-RED exports have them) and dropped here.
      wires: wires.slice(0, Math.max(ports.length, 1)),
      queue,
      disabled,
      definition,
      ports,
      connections: refs.used,
      hash: sha256(canonicalJson({ type: n.type, name, config, queue, disabled, files: files.digests })),
    });
  });

  if (errors.length > 0) return fail();
  // The document holds migrated configs, so what is shown, stored and written back is in the current versions.
  const document = (
    migratedNodes.size === 0 ? doc : { ...doc, nodes: nodesRaw.map((n, i) => (migratedNodes.has(i) ? { ...(n as Json), ...migratedNodes.get(i) } : n)) }
  ) as unknown as FlowDocument;
  return {
    ok: true,
    warnings: [...warnings, ...literalSecretWarnings(document, registry, file)],
    flow: { id: document.id, label: document.label ?? document.id, document, env, connections, nodes, hash: hashDocument(document), file },
  };
}

/** " (did you mean …?)" or the list of known names when it is short. */
function hint(name: string, known: readonly string[]): string {
  const near = closest(name, known);
  if (near !== undefined) return ` (did you mean "${near}"?)`;
  if (known.length === 0) return " (no types are registered)";
  return known.length <= 12 ? ` (known: ${known.join(", ")})` : "";
}

/**
 * The node's output ports; undefined when they depend on a config that is
 * invalid (a `switch` with broken rules), so the port count is not checked.
 */
function portsOf(definition: AnyNodeDefinition, config: Json | undefined, report: (p: Problem) => void): readonly string[] | undefined {
  if (!definition.outputsFor) return definition.outputs;
  if (!config) return undefined;
  try {
    return outputPorts(definition, config);
  } catch (err) {
    // A plugin bug must not take down validation of the whole file.
    report({ pointer: "/config", message: `${definition.type} could not work out its output ports: ${err instanceof Error ? err.message : String(err)}` });
    return undefined;
  }
}

/** The definition's own checks of a config the schema accepted. */
function deepChecks(definition: AnyNodeDefinition, config: Json): Problem[] {
  if (!definition.checkConfig) return [];
  try {
    return definition.checkConfig(config).map((p) => ({ pointer: `/config${p.pointer}`, message: p.message }));
  } catch (err) {
    // A plugin bug must not take down validation of the whole file.
    return [{ pointer: "/config", message: `${definition.type} could not check its config: ${err instanceof Error ? err.message : String(err)}` }];
  }
}

function checkWires(
  definition: AnyNodeDefinition,
  ports: readonly string[] | undefined,
  wires: string[][],
  nodeTypes: ReadonlyMap<string, string>,
  registry: Registry,
): Problem[] {
  const out: Problem[] = [];
  if (ports !== undefined && wires.slice(ports.length).some((p) => p.length > 0)) {
    const has = ports.length > 0 ? `${ports.length} (${ports.join(", ")})` : "none";
    out.push({ pointer: "/wires", message: `has ${wires.length} output ${wires.length === 1 ? "port" : "ports"} wired but ${definition.type} has ${has}` });
  }
  wires.forEach((port, p) =>
    port.forEach((target, w) => {
      const pointer = `/wires/${p}/${w}`;
      // `flow/node` targets live in other flows; the runtime resolves them when both are running.
      if (target.includes("/")) return;
      const type = nodeTypes.get(target);
      if (type === undefined) out.push({ pointer, message: `points at node "${target}", which is not in this flow` });
      else if (registry.node(type)?.inputs === 0) out.push({ pointer, message: `wires to "${target}", a ${type} node, which has no input` });
    }),
  );
  return out;
}

function checkVirtualWires(definition: AnyNodeDefinition, config: Json, nodeTypes: ReadonlyMap<string, string>): Problem[] {
  let targets: readonly string[];
  try {
    targets = definition.virtualWires?.(config) ?? [];
  } catch (err) {
    return [{ pointer: "/config", message: `${definition.type} could not list its links: ${err instanceof Error ? err.message : String(err)}` }];
  }
  return targets
    .filter((t) => !t.includes("/") && !nodeTypes.has(t))
    .map((t) => ({ pointer: "/config", message: `links to node "${t}", which is not in this flow` }));
}

/** One line a person can act on: `solar.json: solar/poll /nodes/0/config/interval: must match …`. */
export function formatIssue(issue: FlowIssue): string {
  const where = [issue.flowId, issue.nodeId].filter((s) => s !== undefined && s !== "").join("/");
  return `${issue.file ? `${issue.file}: ` : ""}${where ? `${where} ` : ""}${issue.pointer || "/"}: ${issue.message}`;
}
