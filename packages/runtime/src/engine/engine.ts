import type { Logger } from "pino";
import type { CompiledFlow } from "../flow/compiled.js";
import type { FlowDiff } from "../flow/types.js";
import type { RuntimeEvent, NodeStatusEntry } from "../api/types.js";
import type { Store } from "../store/types.js";
import { FlowRuntime, type FlowHost } from "./flow-runtime.js";
import { deepFreeze, freezeByDefault, type Message } from "./message.js";
import { Tracker, type CompletionCallback } from "./completion.js";
import type { RuntimeNode, NodeCounters } from "./runtime-node.js";
import { Scheduler } from "./scheduler.js";
import type { HttpRouter, WsHub } from "./types.js";

export interface EngineOptions {
  store: Store;
  log: Logger;
  http: HttpRouter;
  ws: WsHub;
  /** Receives every runtime event (debug, status, deploy, errors). */
  onEvent?: (event: RuntimeEvent) => void;
  /** Freeze messages so mutation fails loudly (default: on unless NODE_ENV=production). */
  freeze?: boolean;
  closeTimeoutMs?: number;
  /** Default IANA time zone for cron schedules. */
  timezone?: string;
  batchSize?: number;
}

export interface NodeStats extends NodeCounters {
  flowId: string;
  nodeId: string;
  type: string;
  queued: number;
  inFlight: number;
}

/**
 * Runs compiled flows. It never validates: callers hand it flows that the
 * flow module compiled, so a bad file is refused before anything stops.
 */
export class Engine {
  private readonly flows = new Map<string, FlowRuntime>();
  private readonly fullNodes = new Set<RuntimeNode>();
  private readonly host: FlowHost;
  /** Deploys of one flow run one at a time. */
  private readonly deployChains = new Map<string, Promise<unknown>>();

  constructor(private readonly options: EngineOptions) {
    const engine = this;
    this.host = {
      scheduler: new Scheduler(options.batchSize),
      freeze: options.freeze ?? freezeByDefault(),
      store: options.store,
      log: options.log,
      http: options.http,
      ws: options.ws,
      closeTimeoutMs: options.closeTimeoutMs ?? 5000,
      timezone: options.timezone,
      emit: (event) => engine.emit(event),
      lookup: (key) => engine.lookup(key),
      isFull: (node) => engine.fullNodes.has(node),
      blockedChanged: () => engine.blockedChanged(),
    };
  }

  /** Starts a flow, or applies a new version of a running one (minimal restart per `diff`). */
  deploy(flow: CompiledFlow, diff: FlowDiff): Promise<void> {
    const previous = this.deployChains.get(flow.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const running = this.flows.get(flow.id);
      if (running) {
        await running.apply(flow, diff);
      } else {
        const created = new FlowRuntime(flow, this.host);
        this.flows.set(flow.id, created);
        await created.start();
      }
      // Links may point across flows: resolve them again everywhere.
      for (const f of this.flows.values()) if (f.id !== flow.id) f.rewire();
    });
    this.deployChains.set(flow.id, next.catch(() => undefined));
    return next;
  }

  async remove(flowId: string): Promise<void> {
    const flow = this.flows.get(flowId);
    if (!flow) return;
    this.flows.delete(flowId);
    await flow.stop();
    for (const f of this.flows.values()) f.rewire();
  }

  async stop(): Promise<void> {
    const all = [...this.flows.keys()];
    await Promise.all(all.map((id) => this.remove(id)));
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
  inject(flowId: string, nodeId: string, msg: Message, onComplete?: CompletionCallback): boolean {
    const node = this.flows.get(flowId)?.nodes.get(nodeId);
    if (!node) return false;
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
      for (const node of flow.nodes.values()) {
        out.push({
          flowId: flow.id,
          nodeId: node.id,
          type: node.compiled.type,
          received: node.counters.received,
          sent: [...node.counters.sent],
          dropped: node.counters.dropped,
          errors: node.counters.errors,
          queued: node.backlog,
          inFlight: node.pending,
        });
      }
    }
    return out;
  }

  statuses(): NodeStatusEntry[] {
    const out: NodeStatusEntry[] = [];
    for (const flow of this.flows.values()) {
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
    return this.flows.get(key.slice(0, slash))?.nodes.get(key.slice(slash + 1));
  }

  private blockedChanged(): void {
    this.fullNodes.clear();
    for (const flow of this.flows.values()) {
      for (const node of flow.nodes.values()) if (node.isFull) this.fullNodes.add(node);
    }
    for (const flow of this.flows.values()) flow.recheckBlocked();
  }
}
