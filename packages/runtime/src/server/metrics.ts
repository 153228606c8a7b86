import type { Counter, Registry } from "prom-client";
import type { ConnectionStats, NodeStats } from "../engine/engine.js";
import type { OutboxSummary } from "../store/types.js";
import { eventLoopMetrics } from "./event-loop-metrics.js";
import type { ClusterView } from "../cluster/types.js";

type Prom = typeof import("prom-client");

/**
 * The runtime's Prometheus metrics. prom-client (about a hundred modules) is loaded on the first
 * scrape, not at start: a runtime nobody scrapes never pays for it. Deploys counted before then
 * are kept and added when it loads; the default process metrics (GC, CPU) count from that scrape on.
 */
export interface RuntimeMetrics {
  registry: {
    readonly contentType: string;
    /** The exposition text of every metric, read at call time. */
    metrics(): Promise<string>;
  };
  deploys: { inc(labels: { flow: string; outcome: string }): void };
}

/** prom-client's Registry.PROMETHEUS_CONTENT_TYPE, known before the library is loaded. */
const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** What a scrape reads besides the node counters; each is asked once per scrape. */
export interface MetricsSources {
  /** The store's outboxes (depth and oldest item). */
  outboxes?: () => Promise<OutboxSummary[]>;
  /** Health of the flows' shared connections. */
  connections?: () => Promise<ConnectionStats[]>;
  /** The store backend, shown as `wattflow_store_backend{backend}`. */
  backend?: "sqlite" | "postgresql";
  /** With a PostgreSQL store: live peers and lock holders. */
  cluster?: () => Promise<ClusterView>;
}

/** Prometheus metrics read from the engine's counters at scrape time, so the hot path pays nothing. */
export function createMetrics(stats: () => NodeStats[], sources: MetricsSources = {}): RuntimeMetrics {
  const early = new Map<string, { flow: string; outcome: string; count: number }>();
  let deploys: Counter<"flow" | "outcome"> | undefined;
  let loaded: Promise<Registry> | undefined;
  const load = (): Promise<Registry> =>
    (loaded ??= import("prom-client").then((prom) => {
      const built = buildRegistry(prom, stats, sources);
      for (const e of early.values()) built.deploys.inc({ flow: e.flow, outcome: e.outcome }, e.count);
      early.clear();
      deploys = built.deploys;
      return built.registry;
    }));
  return {
    registry: {
      contentType: CONTENT_TYPE,
      async metrics() {
        return (await load()).metrics();
      },
    },
    deploys: {
      inc(labels) {
        if (deploys) return deploys.inc(labels);
        const key = JSON.stringify([labels.flow, labels.outcome]);
        const e = early.get(key) ?? { flow: labels.flow, outcome: labels.outcome, count: 0 };
        e.count += 1;
        early.set(key, e);
      },
    },
  };
}

function buildRegistry(prom: Prom, stats: () => NodeStats[], sources: MetricsSources): { registry: Registry; deploys: Counter<"flow" | "outcome"> } {
  const { Counter, Gauge, Registry, collectDefaultMetrics } = prom;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "wattflow_" });
  const labels = ["flow", "node", "type"] as const;
  const counter = (name: string, help: string, pick: (s: NodeStats) => number): void => {
    new Counter({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of stats()) this.inc({ flow: s.flowId, node: s.nodeId, type: s.type }, pick(s));
      },
    });
  };
  counter("wattflow_node_messages_in_total", "Messages delivered to a node's input", (s) => s.received);
  counter("wattflow_node_dropped_total", "Messages dropped by a node's queue policy", (s) => s.dropped);
  counter("wattflow_node_errors_total", "Errors reported by a node", (s) => s.errors);
  counter("wattflow_node_rejected_total", "Input a node refused (undecodable, invalid, over a bound)", (s) => s.rejected);
  counter("wattflow_node_dead_letters_total", "Messages a node parked as dead letters (GET /api/dead-letters)", (s) => s.deadLetters);
  new Counter({
    name: "wattflow_node_messages_out_total",
    help: "Messages a node sent, per output port",
    labelNames: [...labels, "port"],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) s.sent.forEach((n, port) => this.inc({ flow: s.flowId, node: s.nodeId, type: s.type, port: String(port) }, n));
    },
  });
  new Gauge({
    name: "wattflow_node_queue_depth",
    help: "Messages waiting in a node's input queue",
    labelNames: labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) this.set({ flow: s.flowId, node: s.nodeId, type: s.type }, s.queued);
    },
  });
  new Gauge({
    name: "wattflow_node_held",
    help: "Messages a node sent that wait for room in a full block queue downstream (the node is held meanwhile)",
    labelNames: labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) this.set({ flow: s.flowId, node: s.nodeId, type: s.type }, s.held ?? 0);
    },
  });
  eventLoopMetrics(prom, registry);
  if (sources.outboxes) outboxMetrics(prom, registry, sources.outboxes);
  if (sources.connections) connectionMetrics(prom, registry, sources.connections);
  if (sources.backend) {
    new Gauge({ name: "wattflow_store_backend", help: "1 for the store backend this runtime uses", labelNames: ["backend"] as const, registers: [registry] }).set(
      { backend: sources.backend },
      1,
    );
  }
  if (sources.cluster) clusterMetrics(prom, registry, sources.cluster);
  const deploys = new Counter({ name: "wattflow_deploys_total", help: "Flow deploys by outcome", labelNames: ["flow", "outcome"] as const, registers: [registry] });
  return { registry, deploys };
}

/** Depth and age of every outbox; both gauges share one read of the store per scrape. */
function outboxMetrics({ Gauge }: Prom, registry: Registry, outboxes: () => Promise<OutboxSummary[]>): void {
  let read: { at: number; rows: Promise<OutboxSummary[]> } | null = null;
  // Both gauges are collected within one scrape: read the store once for them.
  const rows = (): Promise<OutboxSummary[]> => {
    const now = Date.now();
    if (!read || now - read.at > 100) read = { at: now, rows: outboxes() };
    return read.rows;
  };
  new Gauge({
    name: "wattflow_outbox_depth",
    help: "Items waiting in a store outbox (points for an InfluxDB writer whose server is away)",
    labelNames: ["outbox"] as const,
    registers: [registry],
    async collect() {
      const all = await rows();
      this.reset();
      for (const o of all) this.set({ outbox: o.name }, o.size);
    },
  });
  new Gauge({
    name: "wattflow_outbox_oldest_seconds",
    help: "Age of the oldest item in a store outbox",
    labelNames: ["outbox"] as const,
    registers: [registry],
    async collect() {
      const all = await rows();
      this.reset();
      const now = Date.now();
      for (const o of all) this.set({ outbox: o.name }, Math.max(0, (now - o.oldest) / 1000));
    },
  });
}

function clusterMetrics({ Gauge }: Prom, registry: Registry, view: () => Promise<ClusterView>): void {
  let asked: { at: number; view: Promise<ClusterView> } | null = null;
  // The gauges of one scrape share one look at the database.
  const current = (): Promise<ClusterView> => {
    const now = Date.now();
    // A database that does not answer leaves the cluster gauges empty rather than failing the whole scrape.
    if (!asked || now - asked.at > 100) asked = { at: now, view: view().catch(() => ({ backend: "postgresql" as const, instance: "", peers: [], locks: [] })) };
    return asked.view;
  };
  new Gauge({
    name: "wattflow_cluster_peer_last_seen_seconds",
    help: "Seconds since each live runtime of the cluster (this one included) wrote its heartbeat",
    labelNames: ["instance", "host", "pid"] as const,
    registers: [registry],
    async collect() {
      const v = await current();
      this.reset();
      for (const p of v.peers) this.set({ instance: p.instance, host: p.host, pid: String(p.pid) }, p.ageSeconds);
    },
  });
  new Gauge({
    name: "wattflow_cluster_peers",
    help: "Live runtimes in the cluster (heartbeat within 3 periods)",
    registers: [registry],
    async collect() {
      this.set((await current()).peers.length);
    },
  });
  new Gauge({
    name: "wattflow_cluster_job_holder",
    help: "1 for the runtime holding a once-per-cluster job's lock (holder=\"\" while none does)",
    labelNames: ["job", "holder"] as const,
    registers: [registry],
    async collect() {
      const v = await current();
      this.reset();
      for (const l of v.locks) this.set({ job: l.job, holder: l.holder ?? "" }, 1);
    },
  });
  new Gauge({
    name: "wattflow_cluster_job_runs",
    help: "Slots of a once-per-cluster job the cluster completed, on any runtime",
    labelNames: ["job"] as const,
    registers: [registry],
    async collect() {
      const v = await current();
      this.reset();
      for (const l of v.locks) this.set({ job: l.job }, l.runs);
    },
  });
}

function connectionMetrics({ Counter, Gauge }: Prom, registry: Registry, connections: () => Promise<ConnectionStats[]>): void {
  let asked: { at: number; stats: Promise<ConnectionStats[]> } | null = null;
  const current = (): Promise<ConnectionStats[]> => {
    const now = Date.now();
    if (!asked || now - asked.at > 100) asked = { at: now, stats: connections() };
    return asked.stats;
  };
  const labels = ["flow", "connection", "type"] as const;
  new Gauge({
    name: "wattflow_connection_up",
    help: "1 while a shared connection's peer answers (MQTT broker connected, InfluxDB reachable), else 0",
    labelNames: labels,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await current()) this.set({ flow: c.flowId, connection: c.connectionId, type: c.type }, c.health.status === "down" ? 0 : 1);
    },
  });
  new Counter({
    name: "wattflow_connection_reconnects_total",
    help: "Reconnect attempts of a shared connection (an MQTT broker) since it started",
    labelNames: labels,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await current()) {
        if (c.health.reconnects !== undefined) this.inc({ flow: c.flowId, connection: c.connectionId, type: c.type }, c.health.reconnects);
      }
    },
  });
}
