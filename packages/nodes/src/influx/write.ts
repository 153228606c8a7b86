import { Connection, defineNode, Type, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import type { InfluxClient } from "./client.js";
import { Delivery, type DeliveryCounts, type Outcome } from "./delivery.js";

/** The store outbox this node keeps unsent points in; stable across restarts and redeploys of the node. */
export function outboxName(flowId: string, nodeId: string): string {
  return `influx:${flowId}/${nodeId}`;
}

export default defineNode({
  type: "influx-write",
  category: "storage",
  summary: "Writes each message as a point to InfluxDB in batches; keeps points in a disk outbox while the server is away.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    server: Connection("influxdb"),
    measurement: Type.String({ minLength: 1, description: "measurement name, or {{topic}} / {{path|default}} to read it from the message" }),
    property: Type.String({ default: "payload", description: "message path whose number, boolean and string leaves are the fields" }),
    fields: Type.Array(Type.String(), { default: [], description: "only these dotted fields, e.g. temperature.inlet (empty: every leaf)" }),
    tags: Type.Record(Type.String(), Type.String(), { default: {}, description: "tag name → message path, e.g. { device_id: 'params.device_id' }" }),
    time: Type.String({ default: "payload.timestamp", description: "message path of the time (ms or ISO string); now when missing; empty: always now" }),
    batchSize: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: "points per write request at most" }),
    flushInterval: Type.String({ pattern: DURATION_PATTERN, default: "1s", description: "longest wait before a partial batch is written" }),
    retries: Type.Integer({ minimum: 0, maximum: 10, default: 2, description: "retries of a batch before its points go to the outbox" }),
    maxRetryDelay: Type.String({ pattern: DURATION_PATTERN, default: "30s", description: "longest wait between attempts while the server is away" }),
    outboxLimit: Type.Integer({ minimum: 1, default: 1_000_000, description: "points kept on disk while the server is away; beyond it the oldest are dropped (and counted)" }),
  }),
  inputs: 1,
  outputs: ["stored"],
  // Messages stay un-done until their batch is written, so many must be in hand for batches to fill.
  concurrency: 100_000,
  async create(node, c) {
    const client = node.connection<InfluxClient>(c.server);
    if (client.off) {
      return {
        start() {
          node.status({ fill: "grey", shape: "ring", text: "off: the influxdb connection has no url" });
        },
        input(msg, send, done) {
          send(msg);
          done();
        },
      };
    }
    // Line building uses the InfluxDB client library: loaded by the first writer that writes, not at every start.
    const { MappingError, pointMapper } = await import("./lines.js");
    const toLine = pointMapper(c);
    const name = outboxName(node.flowId, node.id);
    const flushMs = parseDuration(c.flushInterval);

    const showStatus = (n: DeliveryCounts): void => {
      const text = [`${n.written} written`, `${n.queued} queued`, `${n.dropped} dropped`, ...(n.rejected > 0 ? [`${n.rejected} rejected`] : [])].join(", ");
      if (n.away !== null) node.status({ fill: n.dropped > 0 ? "red" : "yellow", shape: "ring", text: `${text}: ${n.away}` });
      else node.status({ fill: n.dropped > 0 || n.rejected > 0 ? "yellow" : "green", shape: n.queued > 0 ? "ring" : "dot", text });
    };

    const delivery = new Delivery({
      client,
      outbox: node.store.outbox,
      outboxName: name,
      outboxLimit: c.outboxLimit,
      chunkSize: c.batchSize,
      retries: c.retries,
      maxRetryDelayMs: parseDuration(c.maxRetryDelay),
      setTimeout: (fn, ms) => node.timers.setTimeout(fn, ms),
      onChange: showStatus,
      onRejected(err, points) {
        node.countRejected(points);
        node.log.warn({ target: client.target, points, server: err.serverMessage }, "InfluxDB refused points; they are skipped");
        node.error(new Error(`${err.message} (${points} point${points === 1 ? "" : "s"} skipped)`));
      },
      onDropped(count, total) {
        node.log.warn({ outbox: name, dropped: count, total, limit: c.outboxLimit }, `outbox over its limit of ${c.outboxLimit} points: dropped the ${count} oldest (${total} so far)`);
      },
      onAway(err) {
        node.log.warn({ target: client.target, reason: err.message }, "InfluxDB is away; points go to the outbox until it answers");
      },
      onWriteFailed(err) {
        // One error per failed attempt (retries back off to maxRetryDelay), so an outage shows in error counts and catch nodes.
        node.error(new Error(`${err.message}; points wait in outbox ${name} (${delivery.counts().queued} queued)`));
      },
      onFault(err) {
        node.error(new Error(`outbox ${name}: ${err.message}`));
      },
      onBack() {
        node.log.info({ target: client.target }, "InfluxDB answers again; writing the outbox");
      },
    });

    const unwatch = client.health?.watch({
      name,
      limit: c.outboxLimit,
      depth: () => delivery.counts().queued,
      dropped: () => delivery.counts().dropped,
      retryNow: () => delivery.retryNow(),
    });

    let lines: string[] = [];
    let settle: ((outcome: Outcome) => void)[] = [];
    let timer: TimerHandle | null = null;
    const flush = (): void => {
      timer?.cancel();
      timer = null;
      if (settle.length === 0) return;
      delivery.submit({ lines, settle });
      lines = [];
      settle = [];
    };

    return {
      async start() {
        await delivery.start();
      },
      input(msg, send, done) {
        let line: string;
        try {
          line = toLine(msg);
        } catch (err) {
          if (err instanceof MappingError) node.countRejected();
          done(err instanceof MappingError ? new Error(`cannot write to ${client.target}: ${err.message}`) : err);
          return;
        }
        lines.push(line);
        settle.push((outcome) => {
          if (outcome === "stored") send(msg);
          // A refusal is reported once per batch (node.error); acknowledging lets a redelivering source move on.
          done(outcome instanceof Error ? outcome : undefined);
        });
        if (lines.length >= c.batchSize) flush();
        else timer ??= node.timers.setTimeout(flush, flushMs);
      },
      async close() {
        unwatch?.();
        flush();
        await delivery.close();
      },
    };
  },
});
