// One runtime of the scale-out benchmark: mqtt-in in a shared-subscription group → validate → store-write
// (its own SQLite file, or the PostgreSQL store all runtimes share) → a counter. Reports its count to the parent as it goes, and on "stop" its totals:
// when its clock started (after `warmup` readings, so code is compiled) and its last reading was written, how many
// it wrote in between, and the CPU time this process used meanwhile.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type, defineNode } from "../packages/runtime/dist/index.js";
import { openStoreFrom } from "../packages/runtime/dist/store/index.js";
import { deployBenchFlow } from "./wattflow-engine.mjs";
import { FILTER, SCHEMA } from "./mqtt-scenario.mjs";

const { url, clientId, group, warmup, postgres } = JSON.parse(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), "wattflow-bench-scale-"));
let written = 0;
let firstAt = 0;
let lastAt = 0;
let cpuAtFirst = null;

const counter = defineNode({
  type: "bench-counter",
  category: "bench",
  summary: "counts what the sink has written",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  create() {
    return {
      input(_msg, _send, done) {
        done();
        written += 1;
        if (written === warmup) {
          firstAt = Date.now();
          cpuAtFirst = process.cpuUsage();
        }
        lastAt = Date.now();
      },
    };
  },
});

const doc = {
  format: "wattflow/flow@1",
  id: "ingest",
  connections: [{ id: "broker", type: "mqtt-broker", config: { url, clientId, clean: false, protocolVersion: 5, receiveMaximum: 1000 } }],
  nodes: [
    { id: "in", type: "mqtt-in", config: { broker: "broker", topic: FILTER, qos: 1, group }, wires: [["check"]] },
    { id: "check", type: "validate", config: { schema: SCHEMA }, wires: [["write"], []] },
    { id: "write", type: "store-write", config: { series: "sensor", fields: ["value"], tags: { location: "payload.location", sensor_type: "payload.sensor_type", sensor_id: "payload.sensor_id" } }, wires: [["count"]] },
    { id: "count", type: "bench-counter" },
  ],
};
const store = await openStoreFrom(postgres ? { backend: "postgres", ...postgres } : { backend: "sqlite", dataDir: dir });
const engine = await deployBenchFlow(doc, [counter], store);
const progress = setInterval(() => process.send?.({ written }), 100);

process.on("message", async (m) => {
  if (m !== "stop") return;
  clearInterval(progress);
  const cpu = cpuAtFirst ? process.cpuUsage(cpuAtFirst) : { user: 0, system: 0 };
  await engine.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  process.send?.({ done: true, written, counted: written - warmup, firstAt, lastAt, cpuMs: (cpu.user + cpu.system) / 1000 });
  process.exit(0);
});
