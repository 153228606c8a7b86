// Node-RED 4 side of the MQTT ingest benchmark: mqtt in → json → a function that checks the fields →
// file (one JSON line per reading) or http request (one InfluxDB /write per reading) → a meter.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNodeRed } from "./nodered-start.mjs";
import { FILTER } from "./mqtt-scenario.mjs";

const { url, clientId, messages, warmup, sink, influx } = JSON.parse(process.argv[2]);
const userDir = mkdtempSync(join(tmpdir(), "wattflow-bench-nr-ingest-"));
const outFile = join(userDir, "readings.jsonl");
const broker = new URL(url);

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
msg.payload = "sensor_reading,location=" + esc(p.location) + ",sensor_id=" + esc(p.sensor_id) + ",sensor_type=" + esc(p.sensor_type) + " value=" + p.value + " " + Date.parse(p.timestamp);
msg.headers = { "content-type": "text/plain" };`
    : ""
}
return msg;`;

const writer =
  sink === "influx"
    ? { type: "http request", method: "POST", ret: "txt", paytoqs: "ignore", url: `${influx}/write?db=bench&precision=ms`, tls: "", persist: true, proxy: "", insecureHTTPParser: false, authType: "", senderr: false, headers: [] }
    : { type: "file", filename: outFile, filenameType: "str", appendNewline: true, createDir: false, overwriteFile: "false", encoding: "none" };
const flow = [
  { id: "tab", type: "tab", label: "ingest" },
  { id: "broker", type: "mqtt-broker", name: "", broker: broker.hostname, port: broker.port, clientid: clientId, autoConnect: true, usetls: false, protocolVersion: "4", keepalive: "60", cleansession: false, autoUnsubscribe: false },
  { id: "in", z: "tab", type: "mqtt in", topic: FILTER, qos: "1", datatype: "utf8", broker: "broker", nl: false, rap: true, rh: 0, inputs: 0, x: 100, y: 100, wires: [["first", "json"]] },
  { id: "first", z: "tab", type: "bench-first", warmup, x: 100, y: 100, wires: [] },
  { id: "json", z: "tab", type: "json", property: "payload", action: "obj", pretty: false, x: 100, y: 100, wires: [["check"]] },
  { id: "check", z: "tab", type: "function", func: check, outputs: 1, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], x: 100, y: 100, wires: [["write"]] },
  { id: "write", z: "tab", ...writer, x: 100, y: 100, wires: [["meter"]] },
  { id: "meter", z: "tab", type: "bench-meter", expected: messages, x: 100, y: 100, wires: [] },
];
const flowFile = join(userDir, "flows.json");
writeFileSync(flowFile, JSON.stringify(flow));

globalThis.__benchMeter = ({ received, ms }) => {
  // Stored means on disk: the lines in the file (the InfluxDB count is taken by the benchmark).
  const stored = sink === "influx" ? null : readFileSync(outFile, "utf8").split("\n").filter(Boolean).length;
  process.send?.({ received, stored, ms });
  setTimeout(() => {
    rmSync(userDir, { recursive: true, force: true });
    process.exit(0);
  }, 10);
};

await startNodeRed({ userDir, flowFile, timeoutMs: 300_000, onTimeout: () => process.send?.({ error: "timed out" }) });
