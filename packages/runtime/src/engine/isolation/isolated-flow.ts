import { existsSync } from "node:fs";
import { dirname, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { CompiledFlow } from "../../flow/compiled.js";
import type { FlowDiff } from "../../flow/types.js";
import type { NodeStatusEntry, RuntimeEvent } from "../../api/types.js";
import type { ConnectionHealth } from "../../registry/define.js";
import type { ConnectionStats, NodeStats } from "../engine.js";
import { nodeModulesChain } from "../../registry/discover.js";
import type { Store } from "../../store/types.js";
import type { CompletionCallback } from "../completion.js";
import type { Message } from "../message.js";
import type { RuntimeNode } from "../runtime-node.js";
import type { Scheduler } from "../scheduler.js";
import type { HttpRouter, JobGate, NodeStatus, RouteInfo, WsHub } from "../types.js";
import { Channel } from "./channel.js";
import { WorkerServices } from "./main-services.js";
import { acceptDeliveries, Deliveries, StandIns, standInCompiled } from "./stand-ins.js";
import { toWireFlow } from "./wire-flow.js";
import type { FlowWorkerData } from "./worker-data.js";

/** What an isolated flow needs from the main thread's engine. */
export interface IsolationHost {
  readonly scheduler: Scheduler;
  readonly freeze: boolean;
  readonly store: Store;
  readonly log: Logger;
  readonly http: HttpRouter;
  readonly ws: WsHub;
  readonly jobs: JobGate;
  readonly closeTimeoutMs: number;
  readonly timezone: string | undefined;
  readonly batchSize: number | undefined;
  readonly settings: IsolationSettings;
  emit(event: RuntimeEvent): void;
  /** Puts a message on any flow's node (what the worker's links to other flows do). */
  inject(flowId: string, nodeId: string, msg: Message, onComplete: CompletionCallback): boolean;
  blockedChanged(): void;
}

/** How isolated flows' workers are run (EngineOptions.isolation). */
export interface IsolationSettings {
  /** Folders where a worker finds plugins (default: node_modules from the working folder and from the runtime up). */
  pluginDirs?: string[];
  /** The runtime's extra plugin folder (`--nodes`). */
  nodesDir?: string;
  /** A worker that does not answer the watchdog for this long is reported (default 1000 ms). */
  unresponsiveMs?: number;
  /** How often the watchdog pings (default 250 ms). */
  pingMs?: number;
  /** Wait before the first restart of a crashed worker (default 200 ms; doubles up to 30 s while it keeps crashing). */
  restartMs?: number;
}

interface Running {
  readonly worker: Worker;
  readonly channel: Channel;
  readonly deliveries: Deliveries;
  readonly services: WorkerServices;
  readonly startedAt: number;
  /** Set once its flow runs: before that, a worker busy loading plugins is not reported silent. */
  started: boolean;
  lastPong: number;
  silentSince: number | null;
  /** Why it stopped, when it crashed ('error' comes before 'exit'). */
  crash: Error | undefined;
  /** Set when this side ends it (stop, restart): its exit is expected. */
  ending: boolean;
}

const LEVELS: Record<number, "trace" | "debug" | "info" | "warn" | "error" | "fatal"> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
const MAX_RESTART_MS = 30_000;
/** How long a health question waits for a worker. */
const HEALTH_WAIT_MS = 500;
/** A worker that ran this long before it crashed restarts after the shortest wait again. */
const STABLE_MS = 60_000;

const here = dirname(fileURLToPath(import.meta.url));

/** The worker's program: beside this module in the build; under the TypeScript sources (tests), the build's copy. */
function workerEntry(): URL {
  const url = new URL("./flow-worker.js", import.meta.url);
  if (existsSync(url)) return url;
  const path = fileURLToPath(url);
  const at = path.lastIndexOf(`${sep}src${sep}`);
  return at < 0 ? url : pathToFileURL(`${path.slice(0, at)}${sep}dist${sep}${path.slice(at + 5)}`);
}

/**
 * A flow marked `"isolate": true`, as the main thread's engine holds it: the
 * flow runs in a worker thread with its own event loop, so a node that
 * computes for seconds (or forever) holds up only this flow. Here it is a
 * set of stand-in nodes (links and inject from other flows reach them and
 * cross over), the worker's counters and statuses, and a watchdog that says
 * when the worker stops answering and restarts it when it dies.
 */
export class IsolatedFlow {
  /** Stand-ins for the flow's nodes: what other flows' links and the admin API's inject reach. */
  readonly nodes = new Map<string, RuntimeNode>();
  compiled: CompiledFlow;
  private running: Running | null = null;
  private stopped = false;
  private nodeStats: NodeStats[] = [];
  private readonly statusByNode = new Map<string, NodeStatus>();
  private readonly log: Logger;
  private readonly standIns: StandIns;
  private readonly watchdog: NodeJS.Timeout;
  private restartDelay = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly settings: Required<Omit<IsolationSettings, "nodesDir">> & { nodesDir?: string };

  constructor(
    compiled: CompiledFlow,
    private readonly host: IsolationHost,
  ) {
    this.compiled = compiled;
    this.log = host.log.child({ flow: compiled.id });
    const s = host.settings;
    this.settings = {
      pluginDirs: s.pluginDirs ?? [...nodeModulesChain(process.cwd()), ...nodeModulesChain(here)],
      ...(s.nodesDir ? { nodesDir: s.nodesDir } : {}),
      unresponsiveMs: s.unresponsiveMs ?? 1000,
      pingMs: s.pingMs ?? 250,
      restartMs: s.restartMs ?? 200,
    };
    this.standIns = new StandIns(
      {
        scheduler: host.scheduler,
        freeze: host.freeze,
        // A node's own errors are reported in the worker; what fails here is the crossing, said where it fails.
        failed: () => undefined,
        blockedChanged: () => host.blockedChanged(),
        dropped: (node) => this.log.warn({ node: node.id }, `${node.key}: a message for the isolated flow was dropped (the node's queue is full)`),
      },
      () => this.running?.deliveries ?? null,
      () => `flow ${this.id} runs isolated and its worker is ${this.stopped ? "stopped" : "restarting"}`,
    );
    for (const n of compiled.nodes) this.nodes.set(n.id, this.standIns.create(this.id, standInCompiled(n)));
    this.watchdog = setInterval(() => this.tick(), this.settings.pingMs);
    this.watchdog.unref();
  }

  get id(): string {
    return this.compiled.id;
  }

  /** Starts the worker and the flow in it. A flow that cannot start there is reported, as a node that fails to start is: the runtime goes on. */
  async start(): Promise<void> {
    const running = this.spawn();
    await this.startFlow(running).catch((err: unknown) => this.failed("did not start in its worker", err));
  }

  private failed(what: string, err: unknown): void {
    const message = `${this.id}: the isolated flow ${what}: ${err instanceof Error ? err.message : String(err)}`;
    this.log.error(message);
    this.host.emit({ type: "log", time: new Date().toISOString(), level: "error", message, flowId: this.id });
  }

  /** A new version: stand-ins follow the node list; the worker applies the diff (minimal restart, as in-process). */
  async apply(next: CompiledFlow, diff: FlowDiff): Promise<void> {
    this.compiled = next;
    for (const id of diff.removed) {
      this.nodes.get(id)?.discardQueue();
      this.nodes.delete(id);
      this.statusByNode.delete(id);
    }
    for (const n of next.nodes) {
      const existing = this.nodes.get(n.id);
      if (existing) existing.compiled = standInCompiled(n);
      else this.nodes.set(n.id, this.standIns.create(this.id, standInCompiled(n)));
    }
    const running = this.running;
    if (running) await running.channel.call("apply", toWireFlow(next), diff).catch((err: unknown) => this.failed("could not apply the new version in its worker", err));
  }

  async stop(reason: "shutdown" | "removed" = "removed"): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const running = this.running;
    this.running = null;
    for (const node of this.nodes.values()) node.discardQueue();
    if (running) await this.end(running, reason);
    this.nodes.clear();
  }

  /** Other flows' nodes are reached by key in the worker, whenever they run: nothing to resolve here. */
  rewire(): void {}

  recheckBlocked(): void {}

  async trigger(nodeId: string): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    return running.channel.call<boolean>("trigger", nodeId);
  }

  /** The worker's counters as it last sent them (a few times a second while they change). */
  stats(): NodeStats[] {
    return this.nodeStats;
  }

  statuses(): NodeStatusEntry[] {
    const out: NodeStatusEntry[] = [];
    for (const [nodeId, status] of this.statusByNode) if (status.text !== undefined || status.fill !== undefined) out.push({ flowId: this.id, nodeId, status });
    return out;
  }

  connectionList(): { id: string; type: string }[] {
    return this.compiled.connections.map((c) => ({ id: c.id, type: c.type }));
  }

  async connectionStats(): Promise<ConnectionStats[]> {
    const running = this.running;
    if (!running) return this.connectionList().map((c) => ({ flowId: this.id, connectionId: c.id, type: c.type, health: { status: "down", detail: "its isolated flow's worker is restarting" } }));
    // A worker busy in a node's code answers late: /metrics and the admin API do not wait for it.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ConnectionStats[]>((resolve) => {
      timer = setTimeout(() => resolve(this.connectionList().map((c) => ({ flowId: this.id, connectionId: c.id, type: c.type, health: { status: "degraded", detail: `its isolated flow's worker did not answer within ${HEALTH_WAIT_MS} ms (busy)` } }))), HEALTH_WAIT_MS);
    });
    try {
      return await Promise.race([running.channel.call<ConnectionStats[]>("connections"), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async connectionHealth(id: string): Promise<ConnectionHealth | undefined> {
    return (await this.connectionStats()).find((c) => c.connectionId === id)?.health;
  }

  reportStatus(node: RuntimeNode, status: NodeStatus): void {
    this.statusByNode.set(node.id, status);
    this.host.emit({ type: "status", time: new Date().toISOString(), flowId: this.id, nodeId: node.id, status });
  }

  /** Routes changed (a deploy): the worker's `http.routes()` answers from this list. */
  routesChanged(routes: RouteInfo[]): void {
    this.running?.channel.note("routes", routes);
  }

  private spawn(): Running {
    const data: FlowWorkerData = {
      flowId: this.id,
      pluginDirs: this.settings.pluginDirs,
      ...(this.settings.nodesDir ? { nodesDir: this.settings.nodesDir } : {}),
      logLevel: this.host.log.level,
      freeze: this.host.freeze,
      closeTimeoutMs: this.host.closeTimeoutMs,
      ...(this.host.timezone ? { timezone: this.host.timezone } : {}),
      ...(this.host.batchSize ? { batchSize: this.host.batchSize } : {}),
      storeBackend: this.host.store.backend,
      storeLocation: this.host.store.location,
      statsMs: this.settings.pingMs,
      jobsShared: this.host.jobs.shared,
    };
    const worker = new Worker(workerEntry(), { workerData: data, name: `wattflow flow ${this.id}` });
    // The runtime's servers keep the process alive; a worker must not keep a stopping one alive.
    worker.unref();
    const channel = new Channel(worker, (text) => this.log.warn(`${this.id} (isolated): ${text}`));
    const deliveries = new Deliveries(channel);
    const services = new WorkerServices(channel, {
      store: this.host.store,
      http: this.host.http,
      ws: this.host.ws,
      jobs: this.host.jobs,
      log: this.log,
      problem: (text) => {
        this.log.error(`${this.id}: ${text}`);
        this.host.emit({ type: "log", time: new Date().toISOString(), level: "error", message: `${this.id}: ${text}`, flowId: this.id });
      },
    });
    const running: Running = { worker, channel, deliveries, services, startedAt: Date.now(), started: false, lastPong: Date.now(), silentSince: null, crash: undefined, ending: false };
    acceptDeliveries(channel, (flowId, nodeId, msg, onComplete) => this.host.inject(flowId, nodeId, msg, onComplete));
    channel.handle("event", (event: RuntimeEvent) => this.heard(event));
    channel.handle("log", (line: string) => this.logLine(line));
    channel.handle("stats", (stats: NodeStats[]) => {
      if (this.running === running) this.nodeStats = stats;
    });
    channel.handle("pong", () => {
      running.lastPong = Date.now();
    });
    worker.on("error", (err: Error) => {
      running.crash ??= err;
    });
    worker.on("exit", (code) => this.exited(running, code));
    this.running = running;
    return running;
  }

  private async startFlow(running: Running): Promise<void> {
    await running.channel.call("start", toWireFlow(this.compiled));
    running.started = true;
    running.lastPong = Date.now();
    running.channel.note("routes", this.host.http.routes());
  }

  /** Asks the worker to stop its flow (closing nodes, writing context), then ends the thread. */
  private async end(running: Running, reason: "shutdown" | "removed"): Promise<void> {
    running.ending = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.host.closeTimeoutMs + 1000);
    });
    await Promise.race([running.channel.call("stop", reason).catch(() => undefined), timeout]);
    clearTimeout(timer);
    await running.worker.terminate();
    await this.released(running, new Error(`flow ${this.id} stopped`));
  }

  private async released(running: Running, why: Error): Promise<void> {
    running.channel.close(why);
    running.deliveries.failAll(why);
    await running.services.releaseAll();
  }

  private exited(running: Running, code: number): void {
    if (running.ending) return;
    running.ending = true;
    const cause = running.crash ? `crashed: ${running.crash.message}` : `exited (code ${code})`;
    const why = new Error(`flow ${this.id} runs isolated and its worker ${cause}; the message was in it`);
    void this.released(running, why);
    if (this.running !== running || this.stopped) return;
    this.running = null;
    for (const nodeId of this.statusByNode.keys()) this.host.emit({ type: "status", time: new Date().toISOString(), flowId: this.id, nodeId, status: {} });
    this.statusByNode.clear();
    if (Date.now() - running.startedAt >= STABLE_MS) this.restartDelay = 0;
    this.restartDelay = this.restartDelay === 0 ? this.settings.restartMs : Math.min(MAX_RESTART_MS, this.restartDelay * 2);
    const message = `${this.id}: the isolated flow's worker ${cause}; ${running.deliveries.size} message(s) in it failed; restarting it in ${this.restartDelay} ms`;
    this.log.error({ err: running.crash?.stack }, message);
    this.host.emit({ type: "log", time: new Date().toISOString(), level: "error", message, flowId: this.id });
    this.restartTimer = setTimeout(() => this.restart(), this.restartDelay);
    this.restartTimer.unref();
  }

  private restart(): void {
    this.restartTimer = null;
    if (this.stopped) return;
    const running = this.spawn();
    this.startFlow(running).then(
      () => this.log.info(`${this.id}: the isolated flow's worker runs again`),
      (err: unknown) => this.failed("did not start again in its worker", err),
    );
  }

  /** Pings the worker; a worker silent past `unresponsiveMs` is said once (and again when it answers). */
  private tick(): void {
    const running = this.running;
    if (!running || !running.started) return;
    running.channel.note("ping", 0);
    running.services.refreshClientCounts();
    const silentMs = Date.now() - running.lastPong;
    if (silentMs >= this.settings.unresponsiveMs && running.silentSince === null) {
      running.silentSince = running.lastPong;
      const message = `${this.id}: the isolated flow's worker has not answered for ${silentMs} ms: a node of this flow holds its event loop (the other flows and the admin API run on)`;
      this.log.warn(message);
      this.host.emit({ type: "log", time: new Date().toISOString(), level: "warn", message, flowId: this.id });
    } else if (silentMs < this.settings.unresponsiveMs && running.silentSince !== null) {
      this.log.info(`${this.id}: the isolated flow's worker answers again after ${running.lastPong - running.silentSince} ms`);
      running.silentSince = null;
    }
  }

  private heard(event: RuntimeEvent): void {
    if (event.type === "status") this.statusByNode.set(event.nodeId, event.status);
    this.host.emit(event);
  }

  /** A line the worker's logger wrote: logged here at its level, with its fields. */
  private logLine(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.log.info(line.trimEnd());
      return;
    }
    const { level, time: _time, msg, ...fields } = entry;
    const method = LEVELS[typeof level === "number" ? level : 30] ?? "info";
    this.host.log[method](fields, typeof msg === "string" ? msg : "");
  }
}
