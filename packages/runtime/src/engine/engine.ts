import type { Logger } from "pino";
import type { CompiledFlow } from "../flow/compiled.js";
import type { FlowDiff } from "../flow/types.js";
import type { RuntimeEvent, NodeStatusEntry } from "../api/types.js";
import type { Store } from "../store/types.js";
import { FlowRuntime, type FlowHost } from "./flow-runtime.js";
import { createMessage, deepFreeze, freezeByDefault, type Message } from "./message.js";
import { Tracker, type CompletionCallback } from "./completion.js";
import type { RuntimeNode, NodeCounters } from "./runtime-node.js";
import { Scheduler } from "./scheduler.js";
import type { HttpRouter, JobGate, WsHub } from "./types.js";
import { createLocalJobs } from "./local-jobs.js";
import type { ConnectionHealth } from "../registry/define.js";
import { describeStall, onStall, type Stall } from "./stall-monitor.js";
import { IsolatedFlow, type IsolationSettings } from "./isolation/isolated-flow.js";
import { crossingLinkCalls } from "./isolation/link-calls.js";

export interface EngineOptions {
  store: Store;
  log: Logger;
  http: HttpRouter;
  ws: WsHub;
  /** Once-per-cluster jobs (default: this runtime runs every job itself). */
  jobs?: JobGate;
  /** Receives every runtime event (debug, status, deploy, errors). */
  onEvent?: (event: RuntimeEvent) => void;
  /** Freeze messages so mutation fails loudly (default: on unless NODE_ENV=production). */
  freeze?: boolean;
  closeTimeoutMs?: number;
  /** Default IANA time zone for cron schedules. */
  timezone?: string;
  batchSize?: number;
  /**
   * How flows marked `"isolate": true` run in their worker threads; false runs every flow in this
   * thread (the engine inside an isolated flow's worker).
   */
  isolation?: IsolationSettings | false;
  /**
   * Finds a node of a flow this engine does not run (`flow/node`), for links
   * into it: an isolated flow's engine, in its worker, reaches the main thread's flows this way.
   */
  remote?: (key: string) => RuntimeNode | undefined;
}

export interface NodeStats extends NodeCounters {
  flowId: string;
  nodeId: string;
  type: string;
  queued: number;
  inFlight: number;
  /** Messages it sent that wait for room in a full `block` queue downstream (the node is held meanwhile). */
  held?: number;
}

export interface ConnectionStats {
  flowId: string;
  connectionId: string;
  type: string;
  health: ConnectionHealth;
}

/** A flow as the engine holds it: running in this thread, or isolated in a worker thread of its own. */
type HostedFlow = FlowRuntime | IsolatedFlow;

/**
 * Runs compiled flows. It never validates: callers hand it flows that the
 * flow module compiled, so a bad file is refused before anything stops.
 */
export class Engine {
  private readonly flows = new Map<string, HostedFlow>();
  private readonly fullNodes = new Set<RuntimeNode>();
  private readonly host: FlowHost;
  /** Deploys of one flow run one at a time. */
  private readonly deployChains = new Map<string, Promise<unknown>>();
  private readonly stopHearingStalls: () => void;

  constructor(private readonly options: EngineOptions) {
    const engine = this;
    this.host = {
      scheduler: new Scheduler(options.batchSize),
      freeze: options.freeze ?? freezeByDefault(),
      store: options.store,
      log: options.log,
      http: options.http,
      ws: options.ws,
      jobs: options.jobs ?? createLocalJobs(),
      closeTimeoutMs: options.closeTimeoutMs ?? 5000,
      timezone: options.timezone,
      emit: (event) => engine.emit(event),
      lookup: (key) => engine.lookup(key),
      isFull: (node) => engine.fullNodes.has(node),
      blockedChanged: () => engine.blockedChanged(),
    };
    this.stopHearingStalls = onStall((stall) => engine.stalled(stall));
  }

  /** Logs a stall this engine's node caused, or one no node caused (every engine in the process logs that one). */
  private stalled(stall: Stall): void {
    const node = stall.node ? this.lookup(stall.node) : undefined;
    if (stall.node && !node) return;
    this.options.log.warn({ blockedMs: stall.blockedMs, node: stall.node, nodeMs: stall.nodeMs }, describeStall(stall));
    if (node) {
      const message = `blocked the event loop for ${stall.nodeMs} ms (every flow, the admin API and the editor waited)`;
      this.emit({ type: "error", time: stall.time, flowId: node.flowId, nodeId: node.id, message });
      // The editor shows statuses: the badge points at the node.
      this.flows.get(node.flowId)?.reportStatus(node, { fill: "yellow", shape: "ring", text: `blocked the event loop ${stall.nodeMs} ms` });
    }
  }

  /** The store flows run on (the admin API reads dead letters from it). */
  get store(): Store {
    return this.options.store;
  }

  /** Starts a flow, or applies a new version of a running one (minimal restart per `diff`). */
  deploy(flow: CompiledFlow, diff: FlowDiff): Promise<void> {
    const previous = this.deployChains.get(flow.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      // The manager refuses an isolated flow's own calls out; a call into one that starts later can only be said.
      if (this.options.isolation !== false) {
        for (const problem of crossingLinkCalls(flow, this.flows)) {
          this.options.log.error(problem);
          this.emit({ type: "log", time: new Date().toISOString(), level: "error", message: problem, flowId: flow.id });
        }
      }
      let running = this.flows.get(flow.id);
      const isolate = flow.document.isolate === true && this.options.isolation !== false;
      // Into or out of a worker: the flow starts anew on the other side.
      if (running && running instanceof IsolatedFlow !== isolate) {
        this.flows.delete(flow.id);
        await running.stop("removed");
        running = undefined;
      }
      if (running) {
        await running.apply(flow, diff);
      } else {
        const created = isolate ? this.isolated(flow) : new FlowRuntime(flow, this.host);
        this.flows.set(flow.id, created);
        await created.start();
      }
      // Links may point across flows: resolve them again everywhere.
      for (const f of this.flows.values()) if (f.id !== flow.id) f.rewire();
      this.routesChanged();
    });
    this.deployChains.set(flow.id, next.catch(() => undefined));
    return next;
  }

  async remove(flowId: string, reason: "shutdown" | "removed" = "removed"): Promise<void> {
    const flow = this.flows.get(flowId);
    if (!flow) return;
    this.flows.delete(flowId);
    await flow.stop(reason);
    for (const f of this.flows.values()) f.rewire();
    this.routesChanged();
  }

  private isolated(flow: CompiledFlow): IsolatedFlow {
    const engine = this;
    return new IsolatedFlow(flow, {
      ...this.host,
      batchSize: this.options.batchSize,
      settings: this.options.isolation || {},
      inject: (flowId, nodeId, msg, onComplete) => engine.inject(flowId, nodeId, msg, onComplete),
    });
  }

  /** Isolated flows answer `http.routes()` from a copy, sent when a deploy may have changed the routes. */
  private routesChanged(): void {
    let routes: ReturnType<HttpRouter["routes"]> | undefined;
    for (const f of this.flows.values()) if (f instanceof IsolatedFlow) f.routesChanged((routes ??= this.options.http.routes()));
  }

  async stop(): Promise<void> {
    this.stopHearingStalls();
    const all = [...this.flows.keys()];
    await Promise.all(all.map((id) => this.remove(id, "shutdown")));
  }

  flowIds(): string[] {
    return [...this.flows.keys()];
  }

  running(flowId: string): CompiledFlow | undefined {
    return this.flows.get(flowId)?.compiled;
  }

  /**
   * Puts a message on a node's input from outside any flow (tests, the admin
   * API). With `onComplete` the message's completion is tracked.
   */
  inject(flowId: string, nodeId: string, given: Message, onComplete?: CompletionCallback): boolean {
    const node = this.flows.get(flowId)?.nodes.get(nodeId);
    if (!node) return false;
    // Every message in a flow has an id: nodes that keep their input's id downstream rely on it.
    const msg = createMessage(given);
    if (this.host.freeze) deepFreeze(msg);
    if (!onComplete) {
      node.accept(msg, null);
      return true;
    }
    const tracker = new Tracker(onComplete);
    tracker.retain();
    node.accept(msg, tracker);
    tracker.release();
    return true;
  }

  trigger(flowId: string, nodeId: string): Promise<boolean> {
    return this.flows.get(flowId)?.trigger(nodeId) ?? Promise.resolve(false);
  }

  stats(): NodeStats[] {
    const out: NodeStats[] = [];
    for (const flow of this.flows.values()) {
      if (flow instanceof IsolatedFlow) {
        out.push(...flow.stats());
        continue;
      }
      for (const node of flow.nodes.values()) {
        out.push({
          flowId: flow.id,
          nodeId: node.id,
          type: node.compiled.type,
          received: node.counters.received,
          sent: [...node.counters.sent],
          dropped: node.counters.dropped,
          errors: node.counters.errors,
          deadLetters: node.counters.deadLetters,
          rejected: node.counters.rejected,
          queued: node.backlog,
          inFlight: node.pending,
          held: node.held,
        });
      }
    }
    return out;
  }

  /** Health of every connection that reports it, in every flow (asked in parallel). */
  async connectionStats(): Promise<ConnectionStats[]> {
    const asks: Promise<ConnectionStats | undefined>[] = [];
    const isolated: Promise<ConnectionStats[]>[] = [];
    for (const flow of this.flows.values()) {
      if (flow instanceof IsolatedFlow) {
        isolated.push(flow.connectionStats().catch(() => []));
        continue;
      }
      for (const c of flow.connectionList()) {
        asks.push(flow.connectionHealth(c.id).then((health) => (health ? { flowId: flow.id, connectionId: c.id, type: c.type, health } : undefined)));
      }
    }
    const local = (await Promise.all(asks)).filter((s): s is ConnectionStats => s !== undefined);
    return [...local, ...(await Promise.all(isolated)).flat()];
  }

  statuses(): NodeStatusEntry[] {
    const out: NodeStatusEntry[] = [];
    for (const flow of this.flows.values()) {
      if (flow instanceof IsolatedFlow) {
        out.push(...flow.statuses());
        continue;
      }
      for (const node of flow.nodes.values()) {
        if (node.status.text !== undefined || node.status.fill !== undefined) out.push({ flowId: flow.id, nodeId: node.id, status: node.status });
      }
    }
    return out;
  }

  private emit(event: RuntimeEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (err) {
      this.options.log.error({ err }, "event listener failed");
    }
  }

  private lookup(key: string): RuntimeNode | undefined {
    const slash = key.indexOf("/");
    const flow = this.flows.get(key.slice(0, slash));
    if (flow) return flow.nodes.get(key.slice(slash + 1));
    return this.options.remote?.(key);
  }

  private blockedChanged(): void {
    this.fullNodes.clear();
    for (const flow of this.flows.values()) {
      for (const node of flow.nodes.values()) if (node.isFull) this.fullNodes.add(node);
    }
    for (const flow of this.flows.values()) flow.recheckBlocked();
  }
}
