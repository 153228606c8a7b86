// Wattflow side of the MQTT ingest benchmark: mqtt-in → validate → store-write (or influx-write) → a meter,
// on the built runtime, with a real SQLite store file. Reports when the meter has seen every message.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type, defineNode } from "../packages/runtime/dist/index.js";
import { openStore } from "../packages/runtime/dist/store/index.js";
import { deployBenchFlow } from "./wattflow-engine.mjs";
import { FILTER, SCHEMA, subscriptionClock, createMeter } from "./mqtt-scenario.mjs";

// broker: the mqtt-broker settings under test (protocol version, receive window, or the shipped flow's);
// input: mqtt-in settings over the bench's defaults (the shipped flow's topic template and format).
const { url, clientId, messages, warmup, sink, influx, broker = {}, input = {} } = JSON.parse(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), "wattflow-bench-ingest-"));
const meterCount = createMeter({ warmup, total: messages, clock: subscriptionClock(url, warmup), onDone: finish });

// The meter is the only tap: the clock runs from the warm-up received at the connection to the written count `messages` (mqtt-scenario.mjs).
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
        done();
        meterCount(1);
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
    // Acknowledgements wait for the write, so the receive window is how much a batch can gather.
    { id: "broker", type: "mqtt-broker", config: { clean: false, ...broker, url, clientId } },
    ...(sink === "influx" ? [{ id: "influx", type: "influxdb", config: { url: influx, version: "v1", database: "bench" } }] : []),
  ],
  nodes: [
    { id: "in", type: "mqtt-in", config: { topic: FILTER, qos: 1, ...input, broker: "broker" }, wires: [["check"]] },
    { id: "check", type: "validate", config: { schema: SCHEMA }, wires: [["write"], []] },
    writer,
    { id: "meter", type: "bench-meter" },
  ],
};
const store = await openStore({ dataDir: dir });
const engine = await deployBenchFlow(doc, [meter], store);

async function finish(timing) {
  let stored = null;
  try {
    // Stored means in the store file, counted there, not at the meter.
    if (sink === "store") stored = (await store.listSeries("sensor.")).reduce((n, s) => n + s.points, 0);
  } finally {
    await engine.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.send?.({ ...timing, stored });
  process.exit(0);
}

setTimeout(() => {
  process.send?.({ error: `timed out with ${meterCount(0)} of ${messages}` });
  process.exit(1);
}, 300_000).unref();
