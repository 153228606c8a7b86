import { readFile, readdir, unlink, mkdir } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Logger } from "pino";
import { watch, type FSWatcher } from "chokidar";
import type { Engine } from "../engine/engine.js";
import type { Registry } from "../registry/registry.js";
import { RevisionConflictError, type Store } from "../store/types.js";
import type { DeployResult, FlowDetail, FlowSummary, RevisionDetail, RevisionDiff, RevisionSummary, RuntimeEvent, ValidateResult } from "../api/types.js";
import type { CompiledFlow } from "../flow/compiled.js";
import type { FlowDocument, FlowIssue } from "../flow/types.js";
import { compileFlow, crossFlowProblems, diffDocuments, diffFlows, formatIssue, parseFlowText, redactSecrets, restoreRedactedSecrets, writeFlowFileAtomic } from "../flow/index.js";
import type { BatchOutcome, DeployInput, DeployOutcome, FlowManagerApi } from "./types.js";

export interface FlowManagerOptions {
  engine: Engine;
  registry: Registry;
  store: Store;
  flowsDir: string;
  log: Logger;
  /** The environment `${NAME}` reads (default: process.env). */
  env?: Record<string, string | undefined>;
  onEvent?: (event: RuntimeEvent) => void;
}

interface ManagedFlow {
  id: string;
  file: string;
  /** The running version, or null when no valid version ever ran. */
  running: CompiledFlow | null;
  revision: number;
  /** Problems of the file on disk that was refused (the running version stays). */
  errors: FlowIssue[];
}

export class FlowManager implements FlowManagerApi {
  private readonly flows = new Map<string, ManagedFlow>();
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Flows found on disk at startup that have not started yet: id → node ids. */
  private readonly pending = new Map<string, ReadonlyMap<string, { takesInput: boolean }>>();
  private watcher: FSWatcher | null = null;
  private readonly flowsDir: string;

  constructor(private readonly options: FlowManagerOptions) {
    this.flowsDir = resolve(options.flowsDir);
  }

  private get env(): Record<string, string | undefined> {
    return this.options.env ?? process.env;
  }

  async loadAll(): Promise<void> {
    await mkdir(this.flowsDir, { recursive: true });
    const files = (await readdir(this.flowsDir)).filter(isFlowFileName).sort();
    // Flows start one by one: a link into a flow that starts later is checked against its file.
    for (const f of files) await this.notePending(join(this.flowsDir, f));
    for (const f of files) await this.loadFile(join(this.flowsDir, f), "startup");
    this.pending.clear();
  }

  list(): FlowSummary[] {
    return [...this.flows.values()]
      .map((f) => ({
        id: f.id,
        label: f.running?.label ?? f.id,
        file: f.file,
        revision: f.revision,
        hash: f.running?.hash ?? "",
        nodeCount: f.running?.nodes.length ?? 0,
        state: f.errors.length > 0 || !f.running ? ("failed" as const) : ("running" as const),
        errors: f.errors,
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  get(flowId: string): FlowDetail | undefined {
    const f = this.flows.get(flowId);
    if (!f?.running) return undefined;
    return { flow: this.redact(f.running.document), revision: f.revision, hash: f.running.hash };
  }

  validate(flowId: string, flow: unknown, companions: readonly unknown[] = []): ValidateResult {
    const result = this.compile(flowId, flow, undefined, companions);
    if (!result.ok) return { ok: false, errors: result.errors, diff: null };
    return { ok: true, errors: [], diff: diffFlows(this.flows.get(flowId)?.running ?? undefined, result.flow) };
  }

  deploy(input: DeployInput): Promise<DeployOutcome> {
    return this.serial(input.flowId, () => this.deployNow(input, "api"));
  }

  async deployBatch(inputs: readonly DeployInput[]): Promise<BatchOutcome> {
    const twice = inputs.map((input) => input.flowId).filter((id, i, ids) => ids.indexOf(id) !== i);
    if (twice.length > 0) return { ok: false, kind: "validation", errors: twice.map((flowId) => ({ flowId, pointer: "/id", message: "is in the batch twice" })) };
    const others = (i: number): unknown[] => inputs.filter((_, j) => j !== i).map((o) => o.flow);
    const conflicts = inputs.flatMap((input) => {
      const current = this.flows.get(input.flowId)?.revision ?? 0;
      return input.expectedRevision !== undefined && input.expectedRevision !== current ? [{ flowId: input.flowId, currentRevision: current }] : [];
    });
    if (conflicts.length > 0) return { ok: false, kind: "conflict", conflicts };
    const errors = inputs.flatMap((input, i) => this.validate(input.flowId, input.flow, others(i)).errors);
    if (errors.length > 0) return { ok: false, kind: "validation", errors };
    const results: DeployResult[] = [];
    for (const [i, input] of inputs.entries()) {
      // Checked above; a deploy meanwhile (or a failure to start) is reported for what is left.
      const outcome = await this.deploy({ ...input, companions: inputs.slice(i + 1).map((o) => o.flow) });
      if (!outcome.ok) {
        if (outcome.kind === "validation") return { ok: false, kind: "validation", errors: outcome.errors };
        if (outcome.kind === "conflict") return { ok: false, kind: "conflict", conflicts: [{ flowId: input.flowId, currentRevision: outcome.currentRevision }] };
        return { ok: false, kind: "validation", errors: [{ flowId: input.flowId, pointer: "", message: "could not be deployed" }] };
      }
      results.push(outcome.result);
    }
    return { ok: true, results };
  }

  remove(flowId: string, expectedRevision?: number): ReturnType<FlowManagerApi["remove"]> {
    return this.serial(flowId, async () => {
      const f = this.flows.get(flowId);
      if (!f) return { ok: false as const, kind: "not-found" as const };
      if (expectedRevision !== undefined && expectedRevision !== f.revision) {
        return { ok: false as const, kind: "conflict" as const, currentRevision: f.revision };
      }
      this.flows.delete(flowId);
      await this.options.engine.remove(flowId);
      await unlink(f.file).catch(() => undefined);
      this.emit({ type: "flow-removed", time: new Date().toISOString(), flowId });
      return { ok: true as const };
    });
  }

  async revisions(flowId: string): Promise<RevisionSummary[]> {
    return (await this.options.store.revisions.list(flowId))
      .map((r) => ({ flowId: r.flowId, revision: r.revision, hash: r.hash, time: new Date(r.time).toISOString(), author: r.author, message: r.message }))
      .sort((a, b) => b.revision - a.revision);
  }

  async revision(flowId: string, revision: number): Promise<RevisionDetail | undefined> {
    const r = await this.options.store.revisions.get(flowId, revision);
    if (!r) return undefined;
    return {
      flowId,
      revision: r.revision,
      hash: r.hash,
      time: new Date(r.time).toISOString(),
      author: r.author,
      message: r.message,
      flow: this.redact(r.document as FlowDocument),
    };
  }

  async diff(flowId: string, from: number, to?: number): Promise<RevisionDiff | undefined> {
    const target = to ?? this.flows.get(flowId)?.revision;
    if (target === undefined) return undefined;
    const [a, b] = await Promise.all([this.options.store.revisions.get(flowId, from), this.options.store.revisions.get(flowId, target)]);
    if (!a || !b) return undefined;
    return { from, to: target, diff: diffDocuments(a.document as FlowDocument, b.document as FlowDocument) };
  }

  async rollback(flowId: string, revision: number, options: { expectedRevision?: number; author?: string } = {}): Promise<DeployOutcome> {
    const r = await this.options.store.revisions.get(flowId, revision);
    if (!r) return { ok: false, kind: "not-found" };
    return this.deploy({
      flowId,
      flow: r.document,
      expectedRevision: options.expectedRevision,
      author: options.author ?? "rollback",
      message: `rollback to revision ${revision}`,
    });
  }

  async watch(): Promise<void> {
    if (this.watcher) return;
    this.watcher = watch(this.flowsDir, {
      ignoreInitial: true,
      // One level down: a flow's code and pages live in the folder named like it (flows/heatpump/ for flows/heatpump.json).
      depth: 1,
      awaitWriteFinish: { stabilityThreshold: 80, pollInterval: 20 },
    });
    const onFile = (path: string): void => {
      const flowFile = dirname(path) === this.flowsDir ? path : `${dirname(path)}.json`;
      if (!isFlowFileName(basename(flowFile)) || dirname(flowFile) !== this.flowsDir) return;
      // A changed code file or page redeploys the flow that owns the folder; only the nodes naming it restart.
      if (flowFile !== path && ![...this.flows.values()].some((m) => m.file === flowFile)) return;
      void this.loadFile(flowFile, "file").catch((err: unknown) => this.options.log.error({ err, path }, "reading a flow file failed"));
    };
    this.watcher.on("add", onFile);
    this.watcher.on("change", onFile);
    this.watcher.on("unlink", (path) => {
      const f = [...this.flows.values()].find((m) => m.file === path);
      if (f) void this.remove(f.id);
      // A vanished code file or page: the redeploy is refused with the reason, and the running version stays.
      else onFile(path);
    });
    await new Promise<void>((resolveReady) => this.watcher!.once("ready", () => resolveReady()));
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    this.watcher = null;
    await Promise.all([...this.chains.values()]);
  }

  /** Reads a flow file and deploys it the same way an API deploy would (or records why not). */
  private async loadFile(path: string, reason: "startup" | "file"): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      this.options.log.warn({ path, err }, "flow file vanished before it could be read");
      return;
    }
    const parsed = parseFlowText(text, path);
    const fallbackId = basename(path, ".json");
    if (!parsed.ok) {
      this.refuseFile(fallbackId, path, parsed.errors, reason);
      return;
    }
    const doc = parsed.value as { id?: unknown };
    const flowId = typeof doc.id === "string" && doc.id ? doc.id : fallbackId;
    await this.serial(flowId, async () => {
      const managed = this.flows.get(flowId);
      if (managed?.running && managed.file !== path) {
        this.refuseFile(flowId, path, [{ file: path, flowId, pointer: "/id", message: `flow id "${flowId}" is already used by ${managed.file}` }], reason);
        return;
      }
      const outcome = await this.deployNow({ flowId, flow: parsed.value, author: reason === "startup" ? "startup" : "file", message: `${basename(path)} changed on disk` }, reason, path);
      if (!outcome.ok && outcome.kind === "validation") this.refuseFile(flowId, path, outcome.errors, reason);
    });
  }

  private refuseFile(flowId: string, file: string, errors: FlowIssue[], reason: "startup" | "file"): void {
    let managed = this.flows.get(flowId);
    if (!managed) {
      managed = { id: flowId, file, running: null, revision: 0, errors: [] };
      this.flows.set(flowId, managed);
    }
    managed.errors = errors;
    const still = managed.running ? "the running version keeps running" : "nothing of it runs";
    this.options.log.error(
      { flow: flowId, file, errors: errors.map(formatIssue) },
      `${basename(file)} refused (${errors.length} problem${errors.length === 1 ? "" : "s"}); ${still}:\n  ${errors.map(formatIssue).join("\n  ")}`,
    );
    this.emit({ type: "deploy-failed", time: new Date().toISOString(), flowId, file, errors });
    if (reason === "startup" && !managed.running) void this.runLastGoodRevision(managed);
  }

  /** At startup an invalid file leaves the last accepted revision running, if the store has one. */
  private async runLastGoodRevision(managed: ManagedFlow): Promise<void> {
    const last = await this.options.store.revisions.latest(managed.id);
    if (!last) return;
    const result = this.compile(managed.id, last.document, managed.file);
    if (!result.ok) return;
    await this.serial(managed.id, async () => {
      await this.options.engine.deploy(result.flow, diffFlows(undefined, result.flow));
      managed.running = result.flow;
      managed.revision = last.revision;
      this.options.log.warn({ flow: managed.id }, `${managed.id}: running last accepted revision ${last.revision} until the file is fixed`);
    });
  }

  private async deployNow(input: DeployInput, source: "api" | "startup" | "file", file?: string): Promise<DeployOutcome> {
    const existing = this.flows.get(input.flowId);
    const current = existing?.revision ?? 0;
    if (input.expectedRevision !== undefined && input.expectedRevision !== current) {
      return { ok: false, kind: "conflict", currentRevision: current };
    }
    const target = file ?? existing?.file ?? join(this.flowsDir, `${input.flowId}.json`);
    // API clients (the editor) were shown "***" for secrets; saving that back must keep the stored value.
    const incoming =
      source === "api" && existing?.running && isDocument(input.flow)
        ? restoreRedactedSecrets(input.flow, existing.running.document, this.options.registry)
        : input.flow;
    const result = this.compile(input.flowId, incoming, target, input.companions);
    if (!result.ok) return { ok: false, kind: "validation", errors: result.errors };
    for (const warning of result.warnings) this.options.log.warn({ flow: input.flowId, pointer: warning.pointer }, formatIssue(warning));
    const next = result.flow;
    const previous = existing?.running ?? undefined;
    const diff = diffFlows(previous, next);

    // Same document, but a node's file (code, page) may have changed: then its node restarts.
    if (previous && previous.hash === next.hash && diff.changed.length === 0) {
      if (existing) existing.errors = [];
      return { ok: true, result: { flowId: next.id, revision: current, hash: next.hash, diff, unchanged: true } };
    }

    await this.options.engine.deploy(next, diff);
    const managed: ManagedFlow = existing ?? { id: next.id, file: target, running: null, revision: 0, errors: [] };
    // The new document shows together with its revision number, never beside the old number while the store answers.
    const settle = (revision: number): void => {
      managed.running = next;
      managed.revision = revision;
      managed.errors = [];
      managed.file = target;
      this.flows.set(next.id, managed);
    };

    let latest: Awaited<ReturnType<Store["revisions"]["latest"]>>;
    try {
      latest = await this.options.store.revisions.latest(next.id);
    } catch (err) {
      // The engine runs it: the manager must know, or the next deploy would diff against the document before.
      settle(managed.revision);
      throw err;
    }
    if (latest && latest.hash === next.hash) {
      settle(latest.revision);
    } else {
      const wanted = (latest?.revision ?? 0) + 1;
      try {
        const record = await this.options.store.revisions.add({
          flowId: next.id,
          revision: wanted,
          hash: next.hash,
          time: Date.now(),
          author: input.author ?? (source === "api" ? "api" : source),
          message: input.message ?? "",
          document: next.document,
        });
        settle(record.revision);
      } catch (err) {
        // It runs, under the revision it had until the store says otherwise.
        settle(managed.revision);
        // Another runtime on the same database recorded this number first: its deploy won the race.
        if (!(err instanceof RevisionConflictError)) throw err;
        const current = (await this.options.store.revisions.latest(next.id))?.revision ?? wanted;
        this.options.log.warn({ flow: next.id, revision: wanted }, `${next.id}: ${err.message}`);
        return { ok: false, kind: "conflict", currentRevision: current };
      }
    }
    // API deploys write the file (the source of truth); the watcher then sees an unchanged hash.
    if (source === "api") await writeFlowFileAtomic(target, next.document);

    this.emit({
      type: "deploy",
      time: new Date().toISOString(),
      flowId: next.id,
      revision: managed.revision,
      hash: next.hash,
      author: input.author ?? source,
      diff,
    });
    this.options.log.info(
      { flow: next.id, revision: managed.revision, added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length },
      `${next.id}: deployed revision ${managed.revision}`,
    );
    return { ok: true, result: { flowId: next.id, revision: managed.revision, hash: next.hash, diff, unchanged: false, warnings: result.warnings } };
  }

  private compile(flowId: string, flow: unknown, file: string | undefined, companions: readonly unknown[] = []): ReturnType<typeof compileFlow> {
    // Every flow lives in flowsDir, so file references resolve there even for a flow deployed over the API.
    const result = compileFlow(flow, { registry: this.options.registry, env: this.env, file, baseDir: this.flowsDir });
    if (result.ok && result.flow.id !== flowId) {
      return { ok: false, errors: [{ file, flowId, pointer: "/id", message: `must be "${flowId}" (the flow being deployed), got "${result.flow.id}"` }] };
    }
    if (result.ok) {
      const together = new Map<string, ReadonlyMap<string, { takesInput: boolean }>>();
      for (const companion of companions) {
        const found = this.documentNodes(companion, "");
        if (found?.id) together.set(found.id, found.nodes);
      }
      const links = crossFlowProblems(result.flow, (id) => this.nodesOf(id) ?? together.get(id));
      if (links.length > 0) return { ok: false, errors: links };
    }
    return result;
  }

  /**
   * Node ids of a flow a link points into: a running flow, one whose file is
   * about to start, or one whose file (`<id>.json`) is in the flows folder but
   * not running (two new files that link to each other, each loaded first).
   */
  private nodesOf(flowId: string): ReadonlyMap<string, { takesInput: boolean }> | undefined {
    const running = this.flows.get(flowId)?.running;
    if (running) return new Map(running.nodes.map((n) => [n.id, { takesInput: n.definition.inputs > 0 }]));
    const pending = this.pending.get(flowId);
    if (pending) return pending;
    const file = join(this.flowsDir, `${flowId}.json`);
    if (!/^[\w.-]+$/.test(flowId) || !existsSync(file)) return undefined;
    const onDisk = this.fileNodes(readFileSync(file, "utf8"), file);
    return onDisk?.id === flowId ? onDisk.nodes : undefined;
  }

  /** A flow file's id and node ids (and whether each takes input), or undefined when it does not parse. */
  private fileNodes(text: string, path: string): { id: string; nodes: Map<string, { takesInput: boolean }> } | undefined {
    const parsed = parseFlowText(text, path);
    return parsed.ok ? this.documentNodes(parsed.value, path) : undefined;
  }

  /** A flow document's id (else the file's name) and node ids, and whether each takes input. */
  private documentNodes(value: unknown, path: string): { id: string; nodes: Map<string, { takesInput: boolean }> } | undefined {
    if (value === null || typeof value !== "object") return undefined;
    const doc = value as { id?: unknown; nodes?: { id?: unknown; type?: unknown }[] };
    const id = typeof doc.id === "string" && doc.id ? doc.id : basename(path, ".json");
    const nodes = new Map<string, { takesInput: boolean }>();
    for (const n of Array.isArray(doc.nodes) ? doc.nodes : []) {
      if (n !== null && typeof n === "object" && typeof n.id === "string") nodes.set(n.id, { takesInput: typeof n.type !== "string" || (this.options.registry.node(n.type)?.inputs ?? 1) > 0 });
    }
    return { id, nodes };
  }

  /** Reads a flow file's id and node ids ahead of startup (a file that can't be read is reported when it loads). */
  private async notePending(path: string): Promise<void> {
    const found = this.fileNodes(await readFile(path, "utf8").catch(() => ""), path);
    if (found) this.pending.set(found.id, found.nodes);
  }

  private redact(doc: FlowDocument): FlowDocument {
    return redactSecrets(doc, this.options.registry);
  }

  /** Runs work for one flow at a time, so a revision check and its deploy are atomic. */
  private serial<T>(flowId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(flowId) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.chains.set(flowId, next.catch(() => undefined));
    return next;
  }

  private emit(event: RuntimeEvent): void {
    this.options.onEvent?.(event);
  }
}

function isDocument(value: unknown): value is FlowDocument {
  return typeof value === "object" && value !== null && Array.isArray((value as { nodes?: unknown }).nodes);
}

/** Flow files are the folder's `.json` files, except the declarative tests beside them (`demo.test.json`, run by `wattflow test`). */
export function isFlowFileName(name: string): boolean {
  return name.endsWith(".json") && !name.endsWith(".test.json");
}
