import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { NodeStats } from "../engine/engine.js";

export interface RuntimeMetrics {
  registry: Registry;
  deploys: Counter<"flow" | "outcome">;
}

/** Prometheus metrics read from the engine's counters at scrape time, so the hot path pays nothing. */
export function createMetrics(stats: () => NodeStats[]): RuntimeMetrics {
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
  const deploys = new Counter({ name: "wattflow_deploys_total", help: "Flow deploys by outcome", labelNames: ["flow", "outcome"] as const, registers: [registry] });
  return { registry, deploys };
}
