// `npm run bench`: Wattflow against Node-RED 4 on the same flows, alternating, median of rounds.
// `npm run bench -- --json` ends with one line of figures as JSON; `npm run bench -- --only mqtt` runs one part
// (engine, startup, store or mqtt).
import { fork, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { measureStartup } from "./startup.mjs";
import { runStoreBench } from "./store-bench.mjs";
import { printMqttIngest, runMqttIngestBench } from "./mqtt-ingest.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const json = process.argv.includes("--json");
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt > 0 ? process.argv[onlyAt + 1] : undefined;
const PARTS = ["engine", "startup", "store", "mqtt"];
if (only !== undefined && !PARTS.includes(only)) throw new Error(`--only takes one of ${PARTS.join(", ")}`);
const runs = (part) => only === undefined || only === part;
const GOALS = { chain5: 20, fanout: 40 };
const ALL_SCENARIOS = ["chain5", "fanout", "burst", "filter"];
// BENCH_SCENARIOS=burst,filter runs some of the engine scenarios.
const scenarios = (process.env.BENCH_SCENARIOS ?? ALL_SCENARIOS.join(",")).split(",");
for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`BENCH_SCENARIOS takes ${ALL_SCENARIOS.join(", ")}`);

function runWorker(file, scenario) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, file), [scenario], { env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    let report;
    child.on("message", (m) => (report = m));
    child.on("exit", (code) => {
      if (report?.error || !report) return reject(new Error(`${file} ${scenario}: ${report?.error ?? `exited ${code} without a report`}`));
      if (report.received !== report.expected) return reject(new Error(`${file} ${scenario}: lost messages (${report.received} of ${report.expected})`));
      resolve(report.rateOfSource);
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString("en-US");

async function build() {
  await new Promise((resolve, reject) => {
    const p = spawn("npx", ["tsc", "-b", "packages/runtime", "packages/nodes"], { cwd: join(here, ".."), stdio: "inherit" });
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error("build failed"))));
  });
}

await build();
const figures = {};
if (runs("engine")) {
  console.log(`Wattflow vs Node-RED 4.1: 200,000 messages per run, ${rounds} alternating rounds per system, median shown (source messages per second).`);
  for (const scenario of scenarios) {
    const w = [];
    const n = [];
    for (let r = 0; r < rounds; r++) {
      w.push(await runWorker("wattflow-worker.mjs", scenario));
      n.push(await runWorker("nodered-worker.mjs", scenario));
    }
    const wattflow = median(w);
    const nodered = median(n);
    figures[scenario] = { wattflow: Math.round(wattflow), nodered: Math.round(nodered), ratio: Number((wattflow / nodered).toFixed(1)) };
  }

  console.log("");
  console.log("scenario   wattflow msg/s   node-red msg/s    ratio   goal");
  for (const name of scenarios) {
    const f = figures[name];
    const goal = GOALS[name] === undefined ? "" : `≥${GOALS[name]}× (${f.ratio >= GOALS[name] ? "met" : "not met"})`;
    console.log(`${name.padEnd(8)} ${fmt(f.wattflow).padStart(16)} ${fmt(f.nodered).padStart(16)} ${`${f.ratio}×`.padStart(8)}   ${goal}`);
  }
}

if (runs("startup")) {
  const startup = await measureStartup();
  figures.rss_mb = startup.rssMb;
  figures.ready_ms = startup.readyMs;
  console.log("");
  console.log(`runtime: rss ${startup.rssMb ?? "n/a"} MB after start with the shipped flows; ready in ${startup.readyMs ?? "n/a"} ms (spawn to "ready" line)`);
}

if (runs("store")) {
  console.log("");
  console.log("store: one year of 10-second readings; the solar flow's queries (median of 21 runs)");
  const store = await runStoreBench(() => undefined);
  figures.store = store;
  const cell = (v, unit) => (v === undefined ? "n/a".padStart(14) : `${v.toLocaleString("en-US")} ${unit}`.padStart(14));
  const ratio = (a, b, better) => (a === undefined || b === undefined ? "" : `${(better === "higher" ? a / b : b / a).toFixed(1)}×`);
  console.log("measure               embedded store        influxdb    ratio   goal");
  console.log(`ingest (points/s)   ${cell(store.ingest.wattflow, "")} ${cell(store.ingest.influxdb, "")} ${ratio(store.ingest.wattflow, store.ingest.influxdb, "higher").padStart(8)}   > 200,000 (${store.ingest.wattflow > 200_000 ? "met" : "not met"})`);
  for (const q of ["daily_stats", "monthly_stats", "lifetime_stats"]) {
    const r = store[q];
    console.log(`${q.padEnd(18)} ${cell(r.wattflow, "ms")} ${cell(r.influxdb, "ms")} ${ratio(r.wattflow, r.influxdb, "lower").padStart(8)}   < 20 ms (${r.wattflow < 20 ? "met" : "not met"})`);
  }
  if (store.ingest.influxdb === undefined) console.log("(influxd not on PATH: install Debian's influxdb for the side-by-side figures)");
}

if (runs("mqtt")) {
  console.log("");
  figures.mqtt = await runMqttIngestBench({ rounds });
  printMqttIngest(figures.mqtt);
}
if (json) console.log(JSON.stringify(figures));
