import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import type { ConnectionStats, NodeStats } from "../engine/engine.js";
import { createMetrics } from "./metrics.js";

let store: Store | undefined;
afterEach(async () => store?.close());

const node = (nodeId: string, counts: Partial<NodeStats>): NodeStats => ({
  flowId: "hp",
  nodeId,
  type: "t",
  received: 0,
  sent: [0],
  dropped: 0,
  errors: 0,
  rejected: 0,
  deadLetters: 0,
  queued: 0,
  inFlight: 0,
  ...counts,
});

describe("metrics", () => {
  it("reads node counters, the store's outboxes and connection health at scrape time", async () => {
    store = openStore({ memory: true });
    const stats = [node("in", { received: 5, rejected: 2, deadLetters: 2 }), node("w", { errors: 3, queued: 4, held: 2 })];
    let connections: ConnectionStats[] = [
      { flowId: "hp", connectionId: "broker", type: "mqtt-broker", health: { status: "down", detail: "reconnecting", reconnects: 7 } },
      { flowId: "hp", connectionId: "influx", type: "influxdb", health: { status: "up", detail: "answers" } },
    ];
    const metrics = createMetrics(() => stats, { outboxes: async () => await store!.outbox.summary(), connections: async () => connections });
    await store.outbox.push("influx:hp/w", ["a", "b", "c"]);

    const text = await metrics.registry.metrics();
    expect(text).toContain('wattflow_node_rejected_total{flow="hp",node="in",type="t"} 2');
    expect(text).toContain('wattflow_node_dead_letters_total{flow="hp",node="in",type="t"} 2');
    expect(text).toContain('wattflow_node_errors_total{flow="hp",node="w",type="t"} 3');
    expect(text).toContain('wattflow_node_queue_depth{flow="hp",node="w",type="t"} 4');
    expect(text).toContain('wattflow_node_held{flow="hp",node="w",type="t"} 2');
    expect(text).toContain('wattflow_outbox_depth{outbox="influx:hp/w"} 3');
    expect(text).toMatch(/wattflow_outbox_oldest_seconds\{outbox="influx:hp\/w"\} \d/);
    expect(text).toContain('wattflow_connection_up{flow="hp",connection="broker",type="mqtt-broker"} 0');
    expect(text).toContain('wattflow_connection_up{flow="hp",connection="influx",type="influxdb"} 1');
    expect(text).toContain('wattflow_connection_reconnects_total{flow="hp",connection="broker",type="mqtt-broker"} 7');
    expect(text).not.toContain('wattflow_connection_reconnects_total{flow="hp",connection="influx"');

    // Emptied outboxes and recovered connections leave no stale samples behind.
    await store.outbox.ack("influx:hp/w", (await store.outbox.peek("influx:hp/w", 10)).at(-1)!.id);
    connections = [{ ...connections[0]!, health: { status: "up", detail: "connected", reconnects: 8 } }];
    // Samples are refreshed on their own interval: poll, with a deadline, until the stale one is gone.
    let after = await metrics.registry.metrics();
    for (const end = Date.now() + 5_000; after.includes('wattflow_outbox_depth{outbox="influx:hp/w"}') && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 10));
      after = await metrics.registry.metrics();
    }
    expect(after).not.toContain('wattflow_outbox_depth{outbox="influx:hp/w"}');
    expect(after).toContain('wattflow_connection_up{flow="hp",connection="broker",type="mqtt-broker"} 1');
  });

  it("counts deploys made before the first scrape, when the metrics library is not loaded yet", async () => {
    const metrics = createMetrics(() => []);
    metrics.deploys.inc({ flow: "demo", outcome: "accepted" });
    metrics.deploys.inc({ flow: "demo", outcome: "accepted" });
    metrics.deploys.inc({ flow: "demo", outcome: "refused" });
    expect(await metrics.registry.metrics()).toContain('wattflow_deploys_total{flow="demo",outcome="accepted"} 2');
    metrics.deploys.inc({ flow: "demo", outcome: "accepted" });
    const text = await metrics.registry.metrics();
    expect(text).toContain('wattflow_deploys_total{flow="demo",outcome="accepted"} 3');
    expect(text).toContain('wattflow_deploys_total{flow="demo",outcome="refused"} 1');
    expect(metrics.registry.contentType).toBe((await import("prom-client")).Registry.PROMETHEUS_CONTENT_TYPE);
  });
});
