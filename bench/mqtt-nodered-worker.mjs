// Node-RED 4 side of the MQTT ingest benchmark, written as an experienced Node-RED user would: `mqtt in` parsing
// the JSON itself → a function checking the fields → file (one JSON line per reading), or → the line protocol →
// `join` (1,000 lines, or what came within 1 s) → one `http request` POST to InfluxDB's /write → the meter.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNodeRed } from "./nodered-start.mjs";
import { FILTER, subscriptionClock, createMeter } from "./mqtt-scenario.mjs";

const { url, clientId, messages, warmup, sink, influx, broker: settings = {} } = JSON.parse(process.argv[2]);
const userDir = mkdtempSync(join(tmpdir(), "wattflow-bench-nr-ingest-"));
const outFile = join(userDir, "readings.jsonl");
const broker = new URL(url);
const v5 = settings.protocolVersion === 5;

// The check a Node-RED user writes by hand for what Wattflow's validate node does with the JSON Schema.
const check = `
const p = msg.payload;
const bad = [];
if (p === null || typeof p !== "object") bad.push("payload must be an object");
else {
  for (const k of ["sensor_type", "sensor_id", "location"]) if (typeof p[k] !== "string" || p[k].length === 0) bad.push(k + " must be a non-empty string");
  if (typeof p.unit !== "string") bad.push("unit must be a string");
  if (typeof p.value !== "number") bad.push("value must be a number");
  if (typeof p.timestamp !== "string" || Number.isNaN(Date.parse(p.timestamp))) bad.push("timestamp must be a date-time");
}
if (bad.length) { node.error(bad.join("; "), msg); return null; }
${
  sink === "influx"
    ? `const esc = (s) => String(s).replace(/[ ,=]/g, (c) => "\\\\" + c);
msg.payload = "sensor_reading,location=" + esc(p.location) + ",sensor_id=" + esc(p.sensor_id) + ",sensor_type=" + esc(p.sensor_type) + " value=" + p.value + " " + Date.parse(p.timestamp);`
    : ""
}
return msg;`;

// One message per batch: the body of the POST, and how many readings it carries (for the meter).
const batchBody = `msg.lines = msg.payload.length;
msg.payload = msg.payload.join("\\n");
msg.headers = { "content-type": "text/plain" };
return msg;`;

const pos = { x: 100, y: 100 };
const writers =
  sink === "influx"
    ? [
        { id: "batch", type: "join", mode: "custom", build: "array", property: "payload", propertyType: "msg", key: "topic", joiner: "\\n", joinerType: "str", accumulate: false, timeout: "1", count: "1000", reduceRight: false, useparts: false, ...pos, wires: [["body"]] },
        { id: "body", type: "function", func: batchBody, outputs: 1, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], ...pos, wires: [["write"]] },
        { id: "write", type: "http request", method: "POST", ret: "txt", paytoqs: "ignore", url: `${influx}/write?db=bench&precision=ms`, tls: "", persist: true, proxy: "", insecureHTTPParser: false, authType: "", senderr: false, headers: [], ...pos, wires: [["meter"]] },
      ]
    : [{ id: "write", type: "file", filename: outFile, filenameType: "str", appendNewline: true, createDir: false, overwriteFile: "false", encoding: "none", ...pos, wires: [["meter"]] }];
const flow = [
  { id: "tab", type: "tab", label: "ingest" },
  {
    id: "broker",
    type: "mqtt-broker",
    name: "",
    broker: broker.hostname,
    port: broker.port,
    clientid: clientId,
    autoConnect: true,
    usetls: false,
    protocolVersion: v5 ? "5" : "4",
    // Node-RED 4.1.8 keeps this setting but does not send it in CONNECT: the protocol's default (65,535) applies.
    ...(v5 && settings.receiveMaximum ? { receiveMaximum: String(settings.receiveMaximum) } : {}),
    keepalive: "60",
    cleansession: false,
    autoUnsubscribe: false,
  },
  { id: "in", z: "tab", type: "mqtt in", topic: FILTER, qos: "1", datatype: "json", broker: "broker", nl: false, rap: true, rh: 0, inputs: 0, ...pos, wires: [["check"]] },
  { id: "check", z: "tab", type: "function", func: check, outputs: 1, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], ...pos, wires: [[sink === "influx" ? "batch" : "write"]] },
  ...writers.map((w) => ({ z: "tab", ...w })),
  { id: "meter", z: "tab", type: "bench-meter", ...pos, wires: [] },
];
const flowFile = join(userDir, "flows.json");
writeFileSync(flowFile, JSON.stringify(flow));

// Read by bench-meter (nodered-nodes/bench.js) with how many readings each message carries.
globalThis.__benchMeter = createMeter({
  warmup,
  total: messages,
  clock: subscriptionClock(url, warmup),
  onDone: (timing) => {
    // Stored means on disk: the lines in the file (the InfluxDB count is taken by the benchmark).
    const stored = sink === "influx" ? null : readFileSync(outFile, "utf8").split("\n").filter(Boolean).length;
    process.send?.({ ...timing, stored });
    setTimeout(() => {
      rmSync(userDir, { recursive: true, force: true });
      process.exit(0);
    }, 10);
  },
});

await startNodeRed({
  userDir,
  flowFile,
  timeoutMs: 300_000,
  onTimeout: () => {
    process.send?.({ error: `timed out with ${globalThis.__benchMeter(0)} of ${messages}` });
    rmSync(userDir, { recursive: true, force: true });
  },
});
