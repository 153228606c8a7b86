// MQTT ingest benchmark: HyperVolt readings from Mosquitto through Wattflow (mqtt-in → validate → store-write,
// or → influx-write) and through Node-RED 4 (mqtt in → function → file, or → join → http request to InfluxDB),
// with a bare mqtt.js subscriber as the ceiling; every subscriber of a comparison uses the same MQTT version and
// receive window, and the shipped flow's settings get their own row. `node bench/mqtt-ingest.mjs` runs it alone
// (after a build).
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { startInflux } from "./influxd.mjs";
import { startMosquitto } from "./mosquitto.mjs";
import { measureWindow } from "./mosquitto-window.mjs";
import { FILTER, reading } from "./mqtt-scenario.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const WORKERS = { wattflow: "mqtt-wattflow-worker.mjs", nodered: "mqtt-nodered-worker.mjs", bare: "mqtt-bare-worker.mjs" };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => (n === undefined || n === null ? "n/a" : Math.round(n).toLocaleString("en-US"));

/** Mosquitto's in-flight window towards an MQTT 3.1.1 client: `max_inflight_messages`, left at its default. */
export const MOSQUITTO_WINDOW = 20;
/** The settings every subscriber of a comparison shares. */
export const SETTINGS = {
  mqtt311: { label: `MQTT 3.1.1, in-flight window ${MOSQUITTO_WINDOW} (Mosquitto's default)`, broker: { protocolVersion: 4 } },
  mqtt5: { label: "MQTT 5, receive window 5,000", broker: { protocolVersion: 5, receiveMaximum: 5000 } },
};

/** What each system does with a reading, and when it acknowledges it to the broker. */
const SIDES = {
  store: {
    wattflow: "mqtt-in → validate → store-write (SQLite), ack once written",
    nodered: "mqtt in (JSON) → function check → file (JSON line), ack on arrival",
  },
  influx: {
    wattflow: "mqtt-in → validate → influx-write (1,000-line batches), ack once written",
    nodered: "mqtt in (JSON) → function (check, line) → join (1,000 or 1 s) → http request /write, ack on arrival",
  },
};

/**
 * The shipped sensors flow's MQTT settings (flows/sensors.json): its mqtt-broker connection as written (the
 * engine fills in its defaults and `${VAR:-default}`s), but the benchmark's broker and session; its mqtt-in's
 * topic, QoS and format. A `group` is left out: a shared subscription would not drain the preloaded session.
 */
export function shippedSettings(file = join(here, "..", "flows", "sensors.json")) {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  const conn = doc.connections.find((c) => c.type === "mqtt-broker");
  const input = doc.nodes.find((n) => n.type === "mqtt-in");
  const { url: _url, clientId: _id, username: _u, password: _p, ...broker } = conn?.config ?? {};
  const { broker: _b, group: _g, ...inputConfig } = input?.config ?? {};
  // A `${VAR:-default}` stands for its default here, as in a runtime without that variable.
  const value = (v, fallback) => Number(/^\$\{[^}:]*:-([^}]*)\}$/.exec(String(v ?? ""))?.[1] ?? v ?? fallback);
  const v5 = value(broker.protocolVersion, 4) === 5;
  const receiveMaximum = value(broker.receiveMaximum, 1000);
  const window = v5 ? `receive window ${fmt(receiveMaximum)}` : `in-flight window ${MOSQUITTO_WINDOW}`;
  return {
    probe: { protocolVersion: v5 ? 5 : 4, ...(v5 ? { receiveMaximum } : {}) },
    label: `as shipped (flows/sensors.json): MQTT ${v5 ? "5" : "3.1.1"}, ${window}, clean ${broker.clean ?? false}; mqtt-in topic ${inputConfig.topic}, format ${inputConfig.format ?? "json"}`,
    broker,
    input: inputConfig,
  };
}

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

/**
 * Ends a drained run's persistent session: left in the broker, it would keep its subscription, and every later
 * preload would queue a copy of each reading for it too (the broker's memory and work growing round by round).
 */
async function forgetSession(url, clientId) {
  const session = await mqtt.connectAsync(url, { clientId, clean: true });
  await session.endAsync();
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
 * One drain of a fresh backlog by one system: `warmup` readings first (so every system's code is compiled
 * before the clock starts), then `messages` timed ones: from the warm-up received at the system's connection to
 * the last written at the meter after the sink (mqtt-scenario.mjs). Returns the rate, the rate of the whole
 * drain from the connection on, and how many of all were lost.
 */
async function drain(system, sink, broker, influx, messages, round, settings) {
  const clientId = `bench-${system}-${sink}-${round}-${process.pid}`;
  const warmup = Math.min(5000, Math.floor(messages / 4));
  const total = warmup + messages;
  if (influx) await influx.query("DROP DATABASE bench; CREATE DATABASE bench");
  await preload(broker.url, clientId, total);
  const report = await runWorker(system, { url: broker.url, clientId, messages: total, warmup, sink, influx: influx?.base, broker: settings.broker, input: settings.input ?? {} });
  await forgetSession(broker.url, clientId);
  const stored = sink === "influx" && system !== "bare" ? await influxCount(influx) : report.stored;
  // More stored (or delivered) than sent: a redelivered reading written twice. (InfluxDB keeps one point per
  // series and time, so there a duplicate cannot show.)
  const found = stored === null ? report.received : stored;
  return { rate: (report.counted / report.ms) * 1000, fromConnect: (total / report.fromConnectMs) * 1000, lost: Math.max(0, total - found), duplicates: Math.max(0, found - total) };
}

/** Each system's settings in one comparison, as printed in its row and kept in the JSON. */
function sideSettings(sink, systems, setting) {
  const label = setting.label;
  const out = {};
  for (const s of systems) {
    if (s === "bare") out.bare = `bare mqtt.js subscriber counting deliveries, ${label}, ack on arrival`;
    else if (s === "nodered" && setting.broker.protocolVersion === 5)
      out.nodered = `${SIDES[sink].nodered}; MQTT 5 without a Receive Maximum (Node-RED 4.1.8 keeps its receiveMaximum setting but does not send it), so Mosquitto's window of ${MOSQUITTO_WINDOW}`;
    else out[s] = `${SIDES[sink][s]}; ${label}`;
  }
  return out;
}

/** BENCH_MQTT_MESSAGES and BENCH_MQTT_INFLUX_MESSAGES set the timed readings per run (for quick runs). */
export async function runMqttIngestBench({
  rounds = 3,
  messages = Number(process.env.BENCH_MQTT_MESSAGES ?? 100_000),
  influxMessages = Number(process.env.BENCH_MQTT_INFLUX_MESSAGES ?? 20_000),
} = {}) {
  const broker = await startMosquitto();
  if (!broker) return null;
  let influx = null;
  const shipped = shippedSettings();
  const figures = { messages, influxMessages, rounds, store: {}, influx: {} };
  try {
    influx = await startInflux();
    // [sink, comparison key, settings, systems, messages per run]
    let plan = [];
    for (const [key, setting] of Object.entries(SETTINGS)) plan.push(["store", key, setting, ["bare", "wattflow", "nodered"], messages]);
    plan.push(["store", "shipped", shipped, ["wattflow"], messages]);
    if (influx) for (const [key, setting] of Object.entries(SETTINGS)) plan.push(["influx", key, setting, ["wattflow", "nodered"], influxMessages]);
    // BENCH_MQTT_ONLY=influx:mqtt5,store:shipped runs some comparisons (for a quick look at one of them).
    const only = process.env.BENCH_MQTT_ONLY?.split(",");
    if (only) plan = plan.filter(([sink, key]) => only.includes(`${sink}:${key}`));
    // What Mosquitto really keeps to for each setting (mosquitto-window.mjs), measured once per setting.
    const windows = {};
    for (const [sink, key, setting, systems, n] of plan) {
      windows[key] ??= await measureWindow(broker.url, setting.probe ?? setting.broker);
      const runs = Object.fromEntries(systems.map((s) => [s, []]));
      for (let r = 0; r < rounds; r++) for (const s of systems) runs[s].push(await drain(s, sink, broker, s === "bare" || sink === "store" ? null : influx, n, r, setting));
      const settings = sideSettings(sink, systems, setting);
      const row = { label: setting.label, mosquitto_max_unacked: windows[key] };
      const worst = (s, k) => Math.max(...runs[s].map((x) => x[k]));
      for (const s of systems)
        row[s] = { rate: Math.round(median(runs[s].map((x) => x.rate))), from_connect: Math.round(median(runs[s].map((x) => x.fromConnect))), lost: worst(s, "lost"), duplicates: worst(s, "duplicates"), settings: settings[s] };
      if (row.nodered) row.ratio = Number((row.wattflow.rate / row.nodered.rate).toFixed(1));
      figures[sink][key] = row;
    }
    // The ceiling for each row is the bare subscriber with the same settings (the shipped flow's are 3.1.1's or 5's).
    const ceilingOf = (key) => figures.store[key]?.bare?.rate;
    const shippedKey = shipped.probe.protocolVersion === 5 ? "mqtt5" : "mqtt311";
    for (const sink of ["store", "influx"])
      for (const [key, row] of Object.entries(figures[sink])) {
        const ceiling = ceilingOf(key === "shipped" ? shippedKey : key);
        if (ceiling) row.below_ceiling = Number((ceiling / row.wattflow.rate).toFixed(2));
      }
    if (!influx) delete figures.influx;
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
  console.log(
    `MQTT ingest: HyperVolt readings queued in Mosquitto at QoS 1 for a persistent session, then drained (${fmt(f.messages)} timed per run to the store, ${fmt(f.influxMessages)} to InfluxDB, after a warm-up of a quarter of that, at most 5,000); messages per second from the warm-up received at each side's connection to the last written after its sink (in brackets: the whole drain from the connection, start-up included), median of ${f.rounds} rounds. Each row gives every side's settings; the ceiling is a bare subscriber with the same MQTT settings.`,
  );
  // The goals (≥ 20× Node-RED, within 1.5× of the ceiling) are the store path's; the InfluxDB rows show their ratios only.
  const row = (title, r, goals = true) => {
    console.log(`${title} — ${r.label}; Mosquitto let ${fmt(r.mosquitto_max_unacked)} go unacknowledged at once to a subscriber acking after 20 ms`);
    for (const s of ["wattflow", "nodered", "bare"])
      if (r[s]) console.log(`    ${s.padEnd(8)} ${fmt(r[s].rate).padStart(9)} msg/s (${fmt(r[s].from_connect).padStart(7)})  lost ${String(r[s].lost).padStart(5)}  dup ${String(r[s].duplicates).padStart(4)}   ${r[s].settings}`);
    const parts = [];
    const goal = (text, met) => (goals ? ` (goal ${text}: ${met ? "met" : "not met"})` : "");
    if (r.ratio !== undefined) parts.push(`Wattflow ${r.ratio}× Node-RED${goal("≥ 20×", r.ratio >= 20)}`);
    if (r.below_ceiling !== undefined) parts.push(`ceiling ÷ Wattflow ${r.below_ceiling}${goal("≤ 1.5", r.below_ceiling <= 1.5)}`);
    if (parts.length) console.log(`    ${parts.join("; ")}`);
  };
  for (const [key, r] of Object.entries(f.store)) row(`validate → store (node-red: file)${key === "shipped" ? ", Wattflow only" : ""}`, r);
  if (f.influx) for (const r of Object.values(f.influx)) row("validate → influxdb 1.x /write", r, false);
  else console.log("(influxd not on PATH: install Debian's influxdb for the InfluxDB path)");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await runMqttIngestBench({ rounds: Number(process.env.BENCH_ROUNDS ?? 3) });
  printMqttIngest(figures);
  if (process.argv.includes("--json")) console.log(JSON.stringify({ mqtt: figures }));
}
