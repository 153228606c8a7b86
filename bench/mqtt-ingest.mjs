// MQTT ingest benchmark: HyperVolt readings from Mosquitto through Wattflow (mqtt-in → validate → store-write,
// or → influx-write) and through Node-RED 4 (mqtt in → json → function → file, or → http request to InfluxDB),
// with a bare mqtt.js subscriber as the ceiling. `node bench/mqtt-ingest.mjs` runs it alone (after a build).
import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { startInflux } from "./influxd.mjs";
import { startMosquitto } from "./mosquitto.mjs";
import { FILTER, reading } from "./mqtt-scenario.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const WORKERS = { wattflow: "mqtt-wattflow-worker.mjs", nodered: "mqtt-nodered-worker.mjs", bare: "mqtt-bare-worker.mjs" };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => (n === undefined || n === null ? "n/a" : Math.round(n).toLocaleString("en-US"));

/**
 * Queues `messages` readings at QoS 1 for a persistent session that is not connected, so every system
 * drains the same backlog from the broker and the publisher takes no CPU from it while it runs.
 */
async function preload(url, clientId, messages) {
  const session = await mqtt.connectAsync(url, { clientId, clean: false });
  await session.subscribeAsync(FILTER, { qos: 1 });
  await session.endAsync();
  const publisher = await mqtt.connectAsync(url);
  for (let i = 0; i < messages; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(messages, i + 1000); j++) {
      const r = reading(j);
      batch.push(publisher.publishAsync(r.topic, JSON.stringify(r.payload), { qos: 1 }));
    }
    await Promise.all(batch);
  }
  await publisher.endAsync();
}

function runWorker(system, args) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, WORKERS[system]), [JSON.stringify(args)], { env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    let report;
    child.on("message", (m) => (report = m));
    child.on("exit", (code) => {
      if (!report || report.error) return reject(new Error(`${system} ${args.sink}: ${report?.error ?? `exited ${code} without a report`}`));
      resolve(report);
    });
  });
}

async function influxCount(influx) {
  const body = await influx.query("SELECT count(value) FROM sensor_reading", "bench");
  return body.results[0].series?.[0].values[0][1] ?? 0;
}

/**
 * One drain of a fresh backlog by one system: `warmup` readings first (so both runtimes' code is compiled
 * before the clock starts), then `messages` timed ones. Returns the rate and how many of all were lost.
 */
async function drain(system, sink, broker, influx, messages, round) {
  const clientId = `bench-${system}-${sink}-${round}-${process.pid}`;
  const warmup = Math.min(5000, Math.floor(messages / 4));
  const total = warmup + messages;
  if (influx) await influx.query("DROP DATABASE bench; CREATE DATABASE bench");
  await preload(broker.url, clientId, total);
  const report = await runWorker(system, { url: broker.url, clientId, messages: total, warmup, sink, influx: influx?.base });
  const stored = sink === "influx" && system !== "bare" ? await influxCount(influx) : report.stored;
  return { rate: (messages / report.ms) * 1000, lost: stored === null ? total - report.received : total - stored };
}

export async function runMqttIngestBench({ rounds = 3, messages = 100_000, influxMessages = 20_000 } = {}) {
  const broker = await startMosquitto();
  if (!broker) return null;
  const influx = await startInflux();
  const figures = { messages, influxMessages, rounds };
  try {
    const paths = [["store", ["bare", "wattflow", "nodered"], messages, null]];
    if (influx) paths.push(["influx", ["wattflow", "nodered"], influxMessages, influx]);
    for (const [sink, systems, n, db] of paths) {
      const runs = Object.fromEntries(systems.map((s) => [s, []]));
      for (let r = 0; r < rounds; r++) for (const s of systems) runs[s].push(await drain(s, sink, broker, s === "bare" ? null : db, n, r));
      figures[sink] = Object.fromEntries(systems.map((s) => [s, { rate: Math.round(median(runs[s].map((x) => x.rate))), lost: Math.max(...runs[s].map((x) => x.lost)) }]));
    }
  } finally {
    await influx?.stop();
    await broker.stop();
  }
  return figures;
}

export function printMqttIngest(f) {
  if (!f) {
    console.log("MQTT ingest: mosquitto not on PATH (apt-get install mosquitto), skipped");
    return;
  }
  const ceiling = f.store.bare.rate;
  console.log(`MQTT ingest: HyperVolt readings queued in Mosquitto at QoS 1 for a persistent session, then drained (${fmt(f.messages)} timed per run to the store, ${fmt(f.influxMessages)} to InfluxDB, after a warm-up of a quarter of that, at most 5,000); median of ${f.rounds} rounds, messages per second`);
  console.log("path                                  wattflow     node-red    ratio  goal      lost w/n   of ceiling  goal");
  const row = (label, p) => {
    const ratio = p.wattflow.rate / p.nodered.rate;
    const ofCeiling = ceiling / p.wattflow.rate;
    console.log(
      `${label.padEnd(34)} ${fmt(p.wattflow.rate).padStart(11)} ${fmt(p.nodered.rate).padStart(12)} ${`${ratio.toFixed(1)}×`.padStart(8)}  ≥5× (${ratio >= 5 ? "met" : "not met"})  ${`${p.wattflow.lost}/${p.nodered.lost}`.padStart(8)}   ${`${ofCeiling.toFixed(2)}× below`.padStart(11)}  within 2× (${ofCeiling <= 2 ? "met" : "not met"})`,
    );
  };
  row("validate → store (node-red: file)", f.store);
  if (f.influx) row("validate → influxdb 1.x /write", f.influx);
  else console.log("(influxd not on PATH: install Debian's influxdb for the InfluxDB path)");
  console.log(`ceiling: a bare mqtt.js subscriber counting what Mosquitto delivers: ${fmt(ceiling)} msg/s (lost ${f.store.bare.lost})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await runMqttIngestBench({ rounds: Number(process.env.BENCH_ROUNDS ?? 3) });
  printMqttIngest(figures);
  if (process.argv.includes("--json")) console.log(JSON.stringify({ mqtt: figures }));
}
