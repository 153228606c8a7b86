import type { Logger } from "pino";
import type { CompiledConnection, CompiledFlow, CompiledNode } from "../flow/compiled.js";
import type { FlowDiff } from "../flow/types.js";
import type { ConnectionHealth, ConnectionInstance } from "../registry/define.js";
import type { RuntimeEvent } from "../api/types.js";
import type { Store } from "../store/types.js";
import { deadLetterPreview } from "../store/dead-letters.js";
import { createMessage, messageFactory, type Message } from "./message.js";
import { RuntimeNode, type NodeHost } from "./runtime-node.js";
import { OwnedResources } from "./resources.js";
import { chainBefore, describeChain, LoopReports, MAX_CHAIN } from "./loop-guard.js";
import { messageBeingHandledBy } from "./running-handler.js";
import type { Scheduler } from "./scheduler.js";
import type { CloseReason, DeadLetterInit, HttpRouter, JobGate, NodeContext, NodeHandle, NodeStatus, WsHub } from "./types.js";

/** A node's three context scopes, read from the store before it is created so its code can use them synchronously. */
interface NodeContexts {
  node: NodeContext;
  flow: NodeContext;
  global: NodeContext;
}

async function openContexts(store: Store, nodeScope: string, flowId: string): Promise<NodeContexts> {
  const [node, flow, global] = await Promise.all([store.openContext(nodeScope), store.openContext(`flow:${flowId}`), store.openContext("global")]);
  return { node, flow, global };
}

/** A node's queue reports (full, drops) are logged at most this often. */
const QUEUE_LOG_MS = 10_000;

interface QueueReport {
  /** When "queue full" was last logged (Date.now()). */
  full: number;
  /** The node's drop count at the last drop report. */
  droppedBefore: number;
  /** Set while drops are being counted for the next report. */
  summary: NodeJS.Timeout | undefined;
}

/** Dead letters one node stores per second at most; the rest are only counted. */
const DEAD_LETTERS_PER_SECOND = 200;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What a flow needs from the engine around it. */
export interface FlowHost {
  readonly scheduler: Scheduler;
  readonly freeze: boolean;
  readonly store: Store;
  readonly log: Logger;
  readonly http: HttpRouter;
  readonly ws: WsHub;
  readonly jobs: JobGate;
  readonly closeTimeoutMs: number;
  readonly timezone: string | undefined;
  emit(event: RuntimeEvent): void;
  /** Finds a node by `flow/node` key, in any flow (for links across flows). */
  lookup(key: string): RuntimeNode | undefined;
  blockedChanged(): void;
  isFull(node: RuntimeNode): boolean;
}

interface LiveConnection {
  compiled: CompiledConnection;
  instance: ConnectionInstance | null;
  error: Error | null;
}

/** One running flow: its connections, its nodes, and the routing of errors and status between them. */
export class FlowRuntime implements NodeHost {
  readonly nodes = new Map<string, RuntimeNode>();
  private readonly connections = new Map<string, LiveConnection>();
  private readonly resources = new Map<string, OwnedResources>();
  private readonly downstream = new Map<string, Set<RuntimeNode>>();
  compiled: CompiledFlow;
  private readonly log: Logger;

  constructor(
    compiled: CompiledFlow,
    private readonly host: FlowHost,
  ) {
    this.compiled = compiled;
    this.log = host.log.child({ flow: compiled.id });
  }

  get id(): string {
    return this.compiled.id;
  }

  get scheduler(): Scheduler {
    return this.host.scheduler;
  }

  get freeze(): boolean {
    return this.host.freeze;
  }

  /** Starts everything (first deploy of this flow). */
  async start(): Promise<void> {
    for (const c of this.compiled.connections) await this.openConnection(c);
    const created: RuntimeNode[] = [];
    for (const n of this.compiled.nodes) {
      const node = new RuntimeNode(this.id, n, this);
      this.nodes.set(n.id, node);
      created.push(node);
    }
    this.rewire();
    for (const node of created) await this.createBehaviour(node);
    for (const node of created) await this.startBehaviour(node);
    await this.readyConnections(this.compiled.connections.map((c) => c.id));
  }

  /**
   * Applies a new compiled version of this flow: only added, changed and
   * removed nodes (and the users of a changed connection) restart; a
   * wiring-only change rewires. Queued messages of restarted nodes are kept.
   */
  async apply(next: CompiledFlow, diff: FlowDiff): Promise<void> {
    const restart = new Set([...diff.changed, ...diff.restartedByConnection]);
    const removed = new Set(diff.removed);
    const stopping = [...this.nodes.values()].filter((n) => restart.has(n.id) || removed.has(n.id));
    // Restarted nodes keep their queue: nothing in it may be handed to them while they have no behaviour.
    const restarting = stopping.filter((n) => !removed.has(n.id));
    for (const node of restarting) node.pauseForRestart();
    try {
      await this.applyPaused(next, diff, restart, removed, stopping);
    } finally {
      for (const node of restarting) node.resume();
    }
  }

  private async applyPaused(next: CompiledFlow, diff: FlowDiff, restart: Set<string>, removed: Set<string>, stopping: RuntimeNode[]): Promise<void> {
    await Promise.all(stopping.map((n) => this.closeBehaviour(n, removed.has(n.id) ? "removed" : "restart")));
    for (const id of removed) {
      const node = this.nodes.get(id);
      if (!node) continue;
      node.discardQueue();
      this.nodes.delete(id);
      this.host.emit({ type: "status", time: new Date().toISOString(), flowId: this.id, nodeId: id, status: {} });
    }

    const changedConnections = new Set([...diff.connections.changed, ...diff.connections.removed]);
    for (const id of changedConnections) await this.closeConnection(id);
    this.compiled = next;
    for (const c of next.connections) {
      if (diff.connections.added.includes(c.id) || diff.connections.changed.includes(c.id)) await this.openConnection(c);
      else {
        const live = this.connections.get(c.id);
        if (live) live.compiled = c;
      }
    }

    const fresh: RuntimeNode[] = [];
    for (const n of next.nodes) {
      const existing = this.nodes.get(n.id);
      if (!existing) {
        const node = new RuntimeNode(this.id, n, this);
        this.nodes.set(n.id, node);
        fresh.push(node);
      } else {
        existing.compiled = n;
        if (restart.has(n.id)) fresh.push(existing);
      }
    }
    this.rewire();
    for (const node of fresh) await this.createBehaviour(node);
    for (const node of fresh) await this.startBehaviour(node);
    await this.readyConnections([...diff.connections.added, ...diff.connections.changed]);
  }

  /** Stops every node, then the connections; `shutdown` when the whole runtime stops, `removed` when only this flow goes. */
  async stop(reason: "shutdown" | "removed" = "removed"): Promise<void> {
    for (const timer of this.dropSummaries) clearTimeout(timer);
    this.dropSummaries.clear();
    await Promise.all([...this.nodes.values()].map((n) => this.closeBehaviour(n, reason)));
    for (const node of this.nodes.values()) node.discardQueue();
    for (const id of [...this.connections.keys()]) await this.closeConnection(id);
    this.nodes.clear();
  }

  /** Resolves wires (including link targets and `flow/node` ids) into node references. */
  rewire(): void {
    for (const node of this.nodes.values()) {
      const c = node.compiled;
      const ports: RuntimeNode[][] = [];
      // Virtual wires leave on the port after the declared outputs: output 0 of a link-out, which has none.
      const virtualPort = c.definition.virtualWires ? c.ports.length : -1;
      const portCount = Math.max(c.ports.length, c.wires.length, virtualPort + 1);
      for (let p = 0; p < portCount; p++) {
        const ids = [...(c.wires[p] ?? [])];
        if (p === virtualPort) ids.push(...c.definition.virtualWires!(c.config));
        const targets: RuntimeNode[] = [];
        for (const id of ids) {
          const target = id.includes("/") ? this.host.lookup(id) : this.nodes.get(id);
          if (target) targets.push(target);
          else this.log.warn({ node: c.id, target: id }, "wire points at a node that is not running");
        }
        ports.push(targets);
      }
      node.outputs = ports;
    }
    this.downstream.clear();
    for (const node of this.nodes.values()) {
      node.completeWatched = this.listeners("complete", node).length > 0;
      node.statusWatched = this.listeners("status", node).length > 0;
    }
  }

  messageCompleted(node: RuntimeNode, msg: Message): void {
    const watchers = this.listeners("complete", node);
    if (watchers.length > 0) this.toListeners(msg, watchers);
  }

  /** Every node reachable from `node` through wires. */
  downstreamOf(node: RuntimeNode): Set<RuntimeNode> {
    let set = this.downstream.get(node.id);
    if (set) return set;
    set = new Set();
    const stack = [...node.outputs.flat()];
    while (stack.length) {
      const n = stack.pop()!;
      if (set.has(n)) continue;
      set.add(n);
      stack.push(...n.outputs.flat());
    }
    this.downstream.set(node.id, set);
    return set;
  }

  reportError(node: RuntimeNode, err: unknown, msg: Message | undefined): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const source = { id: node.id, type: node.compiled.type, name: node.compiled.name };
    this.host.emit({ type: "error", time: new Date().toISOString(), flowId: this.id, nodeId: node.id, message: error.message });
    this.engineStatus(node, { fill: "red", shape: "ring", text: `error: ${truncate(error.message, 80)}` });
    const catchers = this.listeners("errors", node);
    if (catchers.length === 0) {
      this.log.error({ node: node.id, type: node.compiled.type, err: error.message }, `${this.id}/${node.id}: ${error.message}`);
      return;
    }
    const before = chainBefore(msg, "error", this.id);
    const chain = before.length > 0 ? [...before, node.key] : undefined;
    if (chain && chain.length > MAX_CHAIN) return this.loopStopped(node, "error", chain);
    const base = msg ?? createMessage({});
    const report = { message: error.message, name: error.name, source, ...(chain ? { chain } : {}) };
    this.toListeners(createMessage({ ...base, _msgid: base._msgid, error: report }), catchers);
  }

  reportStatus(node: RuntimeNode, status: NodeStatus): void {
    node.status = status;
    this.host.emit({ type: "status", time: new Date().toISOString(), flowId: this.id, nodeId: node.id, status });
    const source = { id: node.id, type: node.compiled.type, name: node.compiled.name };
    const watchers = this.listeners("status", node);
    if (watchers.length === 0) return;
    // A status set while this node handles a status message continues that message's chain.
    const before = chainBefore(messageBeingHandledBy(node), "status", this.id);
    const chain = before.length > 0 ? [...before, node.key] : undefined;
    if (chain && chain.length > MAX_CHAIN) return this.loopStopped(node, "status", chain);
    this.toListeners(createMessage({ status: { ...status, source, ...(chain ? { chain } : {}) } }), watchers);
  }

  private readonly loopReports = new LoopReports();
  private readonly toDeliver: { msg: Message; listeners: RuntimeNode[] }[] = [];

  /**
   * Errors and status changes reach `catch` and `status` nodes on the next
   * turn of the event loop, so a loop through them that no chain reveals (a
   * node that builds a fresh message) still lets timers and I/O run.
   */
  private toListeners(msg: Message, listeners: RuntimeNode[]): void {
    if (this.toDeliver.push({ msg, listeners }) > 1) return;
    setImmediate(() => {
      const batch = this.toDeliver.splice(0);
      for (const { msg: m, listeners: targets } of batch) for (const t of targets) t.accept(m, null);
    });
  }

  /** Ends an error or status loop: said once (per minute and chain) in the log, on the node and on the event stream. */
  private loopStopped(node: RuntimeNode, kind: "error" | "status", chain: string[]): void {
    const message = `${kind} loop stopped after ${MAX_CHAIN} ${kind === "error" ? "errors" : "status changes"} in a chain: ${describeChain(chain)}`;
    const quiet = this.loopReports.shouldLog([...new Set(chain)].join(" "));
    if (quiet >= 0) {
      const more = quiet > 0 ? ` (${quiet} more since the last report)` : "";
      this.log.error({ node: node.id, chain }, `${this.id}/${node.id}: ${message}${more}`);
    }
    this.host.emit({ type: "error", time: new Date().toISOString(), flowId: this.id, nodeId: node.id, message });
    if (kind === "error") {
      node.lastEngineStatus = Date.now();
      node.status = { fill: "red", shape: "dot", text: `${kind} loop stopped` };
      this.host.emit({ type: "status", time: new Date().toISOString(), flowId: this.id, nodeId: node.id, status: node.status });
    }
  }

  private lastDeadLetterFailure = 0;
  /** Per node: the current one-second window of stored dead letters, and how many it had to skip. */
  private readonly deadLetterWindows = new WeakMap<RuntimeNode, { start: number; stored: number; skipped: number }>();

  /**
   * Stores a refused or failed message. A node stores at most
   * DEAD_LETTERS_PER_SECOND a second (each costs a database write; a flood of
   * bad input must not become a flood of writes): the rest are counted and
   * the skipped number is logged. A store that cannot take it is logged
   * (once a minute), never thrown.
   */
  parkDeadLetter(node: RuntimeNode, letter: DeadLetterInit): Promise<boolean> {
    node.counters.deadLetters += 1;
    const now = Date.now();
    let window = this.deadLetterWindows.get(node);
    if (!window || now - window.start >= 1000) {
      if (window && window.skipped > 0) {
        this.log.warn({ node: node.id, skipped: window.skipped }, `${this.id}/${node.id}: ${window.skipped} dead letter(s) counted but not stored (over ${DEAD_LETTERS_PER_SECOND} a second)`);
      }
      window = { start: now, stored: 0, skipped: 0 };
      this.deadLetterWindows.set(node, window);
    }
    if (window.stored >= DEAD_LETTERS_PER_SECOND) {
      window.skipped += 1;
      return Promise.resolve(false);
    }
    window.stored += 1;
    const failed = (err: unknown): false => {
      if (now - this.lastDeadLetterFailure >= 60_000) {
        this.lastDeadLetterFailure = now;
        this.log.error({ node: node.id, err: err instanceof Error ? err.message : String(err) }, `${this.id}/${node.id}: could not store a dead letter`);
      }
      return false;
    };
    try {
      const { size, preview, previewEncoding } = deadLetterPreview(letter.payload);
      return this.host.store.deadLetters
        .add({
          time: now,
          flowId: this.id,
          nodeId: node.id,
          source: letter.source ?? "",
          reason: letter.reason,
          size: letter.size ?? size,
          preview,
          previewEncoding,
        })
        .then(() => true, failed);
    } catch (err) {
      return Promise.resolve(failed(err));
    }
  }

  /** Per node: when "queue full" was last logged, drops already logged, and the pending summary of further drops. */
  private readonly queueReports = new WeakMap<RuntimeNode, QueueReport>();
  private readonly dropSummaries = new Set<NodeJS.Timeout>();

  private queueReport(node: RuntimeNode): QueueReport {
    let report = this.queueReports.get(node);
    if (!report) {
      report = { full: -Infinity, droppedBefore: 0, summary: undefined };
      this.queueReports.set(node, report);
    }
    return report;
  }

  messageDropped(node: RuntimeNode): void {
    this.engineStatus(node, { fill: "yellow", shape: "ring", text: `queue full: ${node.counters.dropped} dropped` });
    // The first drop is logged at once; the ones after it are counted and said in one line per QUEUE_LOG_MS.
    const report = this.queueReport(node);
    if (report.summary === undefined) this.logDrops(node, report);
  }

  private logDrops(node: RuntimeNode, report: QueueReport): void {
    const since = node.counters.dropped - report.droppedBefore;
    report.summary = undefined;
    if (since <= 0) return;
    report.droppedBefore = node.counters.dropped;
    const { size, policy } = node.compiled.queue;
    this.log.warn(
      { node: node.id, dropped: node.counters.dropped, since },
      `${this.id}/${node.id}: input queue full (${size}, policy ${policy}): ${since} message(s) dropped since the last report, ${node.counters.dropped} in all`,
    );
    const timer = setTimeout(() => {
      this.dropSummaries.delete(timer);
      this.logDrops(node, report);
    }, QUEUE_LOG_MS);
    timer.unref();
    this.dropSummaries.add(timer);
    report.summary = timer;
  }

  reaches(from: RuntimeNode, to: RuntimeNode): boolean {
    return this.downstreamOf(from).has(to);
  }

  /**
   * The engine's own status for a node in trouble, at most once a second so
   * a node failing on every message cannot flood the event stream.
   */
  private engineStatus(node: RuntimeNode, status: NodeStatus): void {
    const now = Date.now();
    if (now - node.lastEngineStatus < 1000) return;
    node.lastEngineStatus = now;
    this.reportStatus(node, status);
  }

  queueFull(node: RuntimeNode): void {
    this.engineStatus(node, { fill: "yellow", shape: "ring", text: `queue full (${node.backlog}): senders held` });
    // Under `block` a full queue is flow control, not loss: said once per QUEUE_LOG_MS per node.
    const report = this.queueReport(node);
    const now = Date.now();
    if (now - report.full >= QUEUE_LOG_MS) {
      report.full = now;
      this.log.info({ node: node.id }, `${this.id}/${node.id}: input queue full; the nodes sending to it wait (policy block)`);
    }
    this.host.blockedChanged();
  }

  queueRelieved(): void {
    this.host.blockedChanged();
  }

  /**
   * `catch` / `status` / `complete` nodes whose scope covers `source` (never the listener itself, to avoid loops).
   * A `complete` node hears only the nodes its scope names.
   */
  private listeners(kind: "errors" | "status" | "complete", source: RuntimeNode): RuntimeNode[] {
    const out: RuntimeNode[] = [];
    for (const n of this.nodes.values()) {
      if (n.compiled.definition.listens !== kind || n === source || n.compiled.disabled) continue;
      if (kind === "errors" && source.compiled.definition.listens === "errors") continue;
      const scope = n.compiled.config.scope;
      if (kind === "complete" && !(Array.isArray(scope) && scope.includes(source.id))) continue;
      if (Array.isArray(scope) && scope.length > 0 && !scope.includes(source.id)) continue;
      out.push(n);
    }
    return out;
  }

  private async openConnection(c: CompiledConnection): Promise<void> {
    const live: LiveConnection = { compiled: c, instance: null, error: null };
    this.connections.set(c.id, live);
    try {
      live.instance = await c.definition.create(
        {
          id: c.id,
          flowId: this.id,
          type: c.type,
          log: this.log.child({ connection: c.id }),
          store: this.host.store,
          env: (name) => this.compiled.env[name],
        },
        c.config,
      );
    } catch (err) {
      live.error = err instanceof Error ? err : new Error(String(err));
      this.log.error({ connection: c.id, err: live.error.message }, `${this.id}: connection ${c.id} failed to start: ${live.error.message}`);
    }
  }

  /** A connection's health; one that failed to start is down, with the reason. */
  async connectionHealth(id: string): Promise<ConnectionHealth | undefined> {
    const live = this.connections.get(id);
    if (!live) throw new Error(`connection "${id}" is not defined in flow ${this.id}`);
    if (!live.instance) return { status: "down", detail: `failed to start: ${live.error?.message ?? "unknown error"}` };
    if (!live.instance.health) return undefined;
    try {
      return await live.instance.health();
    } catch (err) {
      return { status: "down", detail: `health check failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** Ids and types of this flow's connections. */
  connectionList(): { id: string; type: string }[] {
    return [...this.connections.values()].map((c) => ({ id: c.compiled.id, type: c.compiled.type }));
  }

  private async readyConnections(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const live = this.connections.get(id);
      if (!live?.instance?.ready) continue;
      try {
        await live.instance.ready();
      } catch (err) {
        live.error = err instanceof Error ? err : new Error(String(err));
        this.log.error({ connection: id, err: live.error.message }, `${this.id}: connection ${id} failed to start: ${live.error.message}`);
      }
    }
  }

  private async closeConnection(id: string): Promise<void> {
    const live = this.connections.get(id);
    this.connections.delete(id);
    if (!live?.instance?.close) return;
    await this.withTimeout(Promise.resolve().then(() => live.instance!.close!()), `connection ${id}`);
  }

  private makeHandle(node: RuntimeNode, resources: OwnedResources, contexts: NodeContexts): NodeHandle {
    const flow = this;
    const host = this.host;
    const c = node.compiled;
    const log = this.log.child({ node: c.id, type: c.type });
    return {
      id: c.id,
      flowId: this.id,
      type: c.type,
      name: c.name,
      log,
      status: (status) => flow.reportStatus(node, typeof status === "string" ? { text: status } : status),
      error: (err, msg) => node.fail(err, msg, null),
      deadLetter: (letter) => flow.parkDeadLetter(node, letter),
      newMessage: messageFactory(),
      send: (out, options) => {
        node.sendFromSource(out, options?.onComplete);
        return node.whenSent();
      },
      isHeld: () => node.held > 0,
      whenSent: () => node.whenSent(),
      timers: resources.timers(host.timezone),
      jobs: resources.jobs(host.jobs),
      store: host.store,
      context: contexts.node,
      flowContext: contexts.flow,
      globalContext: contexts.global,
      connection: <T>(id: string): T => {
        const live = flow.connections.get(id);
        if (!live) throw new Error(`connection "${id}" is not defined in flow ${flow.id}`);
        if (!live.instance) throw new Error(`connection "${id}" failed to start: ${live.error?.message ?? "unknown error"}`);
        return live.instance.value as T;
      },
      connectionHealth: (id) => flow.connectionHealth(id),
      countRejected: (count = 1) => {
        node.counters.rejected += count;
      },
      http: resources.http(host.http),
      ws: resources.ws(host.ws),
      env: (name) => flow.compiled.env[name],
      debug: (value) =>
        host.emit({ type: "debug", time: new Date().toISOString(), flowId: flow.id, nodeId: c.id, ...(c.name ? { name: c.name } : {}), msg: value }),
      isBlocked: () => flow.isBlocked(node),
      whenUnblocked: () => flow.whenUnblocked(node),
    };
  }

  private readonly unblockWaiters: { node: RuntimeNode; resolve: () => void }[] = [];

  isBlocked(node: RuntimeNode): boolean {
    for (const n of this.downstreamOf(node)) if (this.host.isFull(n)) return true;
    return false;
  }

  whenUnblocked(node: RuntimeNode): Promise<void> {
    if (!this.isBlocked(node)) return Promise.resolve();
    return new Promise((resolve) => this.unblockWaiters.push({ node, resolve }));
  }

  /** Wakes sources waiting on a queue that drained. */
  recheckBlocked(): void {
    for (let i = this.unblockWaiters.length - 1; i >= 0; i--) {
      const w = this.unblockWaiters[i]!;
      if (!this.isBlocked(w.node)) {
        this.unblockWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private async createBehaviour(node: RuntimeNode): Promise<void> {
    const c: CompiledNode = node.compiled;
    node.status = {};
    if (c.disabled) return;
    const resources = new OwnedResources((err) => node.fail(err, undefined, null));
    this.resources.set(node.id, resources);
    try {
      const contexts = await openContexts(this.host.store, node.key, this.id);
      node.behaviour = await c.definition.create(this.makeHandle(node, resources, contexts), c.config);
    } catch (err) {
      node.behaviour = null;
      resources.releaseAll();
      const message = err instanceof Error ? err.message : String(err);
      this.reportStatus(node, { fill: "red", shape: "ring", text: `failed to start: ${message}` });
      node.fail(new Error(`failed to start: ${message}`), undefined, null);
    }
  }

  private async startBehaviour(node: RuntimeNode): Promise<void> {
    const start = node.behaviour?.start;
    if (!start) return;
    try {
      await start.call(node.behaviour);
    } catch (err) {
      node.fail(err, undefined, null);
    }
  }

  private async closeBehaviour(node: RuntimeNode, reason: CloseReason): Promise<void> {
    const behaviour = node.behaviour;
    node.behaviour = null;
    const resources = this.resources.get(node.id);
    this.resources.delete(node.id);
    try {
      if (behaviour?.close) await this.withTimeout(Promise.resolve().then(() => behaviour.close!(reason)), `node ${node.id}`);
    } catch (err) {
      node.fail(err, undefined, null);
    } finally {
      resources?.releaseAll();
    }
  }

  private async withTimeout(work: Promise<void>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.host.closeTimeoutMs);
    });
    const outcome = await Promise.race([work.then(() => "closed" as const), timeout]);
    clearTimeout(timer);
    if (outcome === "timeout") this.log.warn(`${this.id}: ${what} did not close within ${this.host.closeTimeoutMs} ms; moving on`);
  }

  /** Fires a node's `trigger` (inject, schedule) on demand. */
  async trigger(nodeId: string): Promise<boolean> {
    const node = this.nodes.get(nodeId);
    const trigger = node?.behaviour?.trigger;
    if (!node || !trigger) return false;
    await trigger.call(node.behaviour);
    return true;
  }
}
