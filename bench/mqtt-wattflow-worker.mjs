// Wattflow side of the MQTT ingest benchmark: mqtt-in → validate → store-write (or influx-write) → a meter,
// on the built runtime, with a real SQLite store file. Reports when the meter has seen every message.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type, defineNode } from "../packages/runtime/dist/index.js";
import { openStore } from "../packages/runtime/dist/store/index.js";
import { deployBenchFlow } from "./wattflow-engine.mjs";
import { FILTER, SCHEMA } from "./mqtt-scenario.mjs";

const { url, clientId, messages, warmup, sink, influx } = JSON.parse(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), "wattflow-bench-ingest-"));
let received = 0;
let firstAt = 0;

// The clock starts when the broker hands over the first message after the warm-up, not when one is written.
let arrived = 0;
const firstSeen = defineNode({
  type: "bench-first",
  category: "bench",
  summary: "notes when the first measured message arrived",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  create() {
    return {
      input(_msg, _send, done) {
        arrived += 1;
        if (arrived === warmup + 1) firstAt = performance.now();
        done();
      },
    };
  },
});

const meter = defineNode({
  type: "bench-meter",
  category: "bench",
  summary: "counts what the sink has written",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  create() {
    return {
      input(_msg, _send, done) {
        received += 1;
        done();
        if (received === messages) setImmediate(finish);
      },
    };
  },
});

const writer =
  sink === "influx"
    ? { id: "write", type: "influx-write", config: { server: "influx", measurement: "sensor_reading", fields: ["value"], tags: { location: "payload.location", sensor_type: "payload.sensor_type", sensor_id: "payload.sensor_id" }, batchSize: 1000, flushInterval: "100ms" }, wires: [["meter"]] }
    : { id: "write", type: "store-write", config: { series: "sensor", fields: ["value"], tags: { location: "payload.location", sensor_type: "payload.sensor_type", sensor_id: "payload.sensor_id" } }, wires: [["meter"]] };
const doc = {
  format: "wattflow/flow@1",
  id: "ingest",
  connections: [
    // MQTT 5 with a window of 5,000: acknowledgements wait for the write, so this is how much a batch can gather.
    { id: "broker", type: "mqtt-broker", config: { url, clientId, clean: false, protocolVersion: 5, receiveMaximum: 5000 } },
    ...(sink === "influx" ? [{ id: "influx", type: "influxdb", config: { url: influx, version: "v1", database: "bench" } }] : []),
  ],
  nodes: [
    { id: "in", type: "mqtt-in", config: { broker: "broker", topic: FILTER, qos: 1 }, wires: [["first", "check"]] },
    { id: "first", type: "bench-first" },
    { id: "check", type: "validate", config: { schema: SCHEMA }, wires: [["write"], []] },
    writer,
    { id: "meter", type: "bench-meter" },
  ],
};
const store = openStore({ dataDir: dir });
const engine = await deployBenchFlow(doc, [firstSeen, meter], store);

async function finish() {
  const lastAt = performance.now();
  // Stored means in the store file, counted there, not at the meter.
  const stored = sink === "store" ? store.listSeries("sensor.").reduce((n, s) => n + s.points, 0) : null;
  await engine.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  process.send?.({ received, stored, ms: lastAt - firstAt });
  process.exit(0);
}

setTimeout(() => {
  process.send?.({ error: `timed out with ${received} of ${messages}` });
  process.exit(1);
}, 300_000).unref();
