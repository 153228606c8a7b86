// `npm run bench`: Wattflow against Node-RED 4 on the same flows, alternating, median of rounds.
// `npm run bench -- --json` ends with one line of figures as JSON; `npm run bench -- --only mqtt` runs one part
// (engine, startup, store, mqtt, function, isolate or scale).
import { fork, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { printStartup, runStartupBench, startupFigures } from "./startup.mjs";
import { printStoreBench, runStoreBench } from "./store-bench.mjs";
import { printMqttIngest, runMqttIngestBench } from "./mqtt-ingest.mjs";
import { printFunctionIsolation, runFunctionIsolationBench } from "./function-isolation.mjs";
import { printScaleStore, runScaleStoreBench } from "./scale-store.mjs";
import { printScaleRuntimes, runScaleRuntimesBench } from "./scale-runtimes.mjs";
import { RUN_MESSAGES, scenarioSettings, tallyFailure } from "./scenarios.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const json = process.argv.includes("--json");
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt > 0 ? process.argv[onlyAt + 1] : undefined;
const PARTS = ["engine", "startup", "store", "mqtt", "function", "isolate", "scale", "editor"];
if (only !== undefined && !PARTS.includes(only)) throw new Error(`--only takes one of ${PARTS.join(", ")}`);
const runs = (part) => only === undefined || only === part;
const GOALS = { chain5: 25, fanout: 40 };
const ALL_SCENARIOS = ["chain5", "fanout", "burst", "filter"];
// BENCH_SCENARIOS=burst,filter runs some of the engine scenarios.
const scenarios = (process.env.BENCH_SCENARIOS ?? ALL_SCENARIOS.join(",")).split(",");
for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`BENCH_SCENARIOS takes ${ALL_SCENARIOS.join(", ")}`);

function runWorker(file, scenario, messages) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, file), [scenario, String(messages)], { env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    let report;
    child.on("message", (m) => (report = m));
    child.on("exit", (code) => {
      if (report?.error || !report) return reject(new Error(`${file} ${scenario}: ${report?.error ?? `exited ${code} without a report`}`));
      const failure = tallyFailure(report);
      if (failure) return reject(new Error(`${file} ${scenario}: ${failure}`));
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

const figures = {};
const failed = {};
try {
  await build();
} catch (err) {
  // Nothing can be measured without a build; the run still ends with its JSON line, saying why.
  failed.build = err instanceof Error ? err.message : String(err);
  console.log(`build: FAILED: ${failed.build}`);
  if (json) console.log(JSON.stringify({ failed }));
  process.exit(1);
}
/**
 * Runs one part of the bench. A part that fails says so and the others still run: a run always ends with
 * every figure it could take, the failures named (`figures.failed`), and the JSON line last.
 */
async function part(name, run) {
  if (!runs(name)) return;
  console.log("");
  try {
    await run();
  } catch (err) {
    failed[name] = err instanceof Error ? err.message : String(err);
    console.log(`${name}: FAILED: ${failed[name]}`);
  }
}

await part("engine", async () => {
  console.log(
    `Wattflow vs Node-RED 4.1: ${fmt(RUN_MESSAGES.wattflow)} and ${fmt(RUN_MESSAGES.nodered)} messages per run (each run 1–6 s, so the steady rate is timed, not the JIT's warm-up), ${rounds} alternating rounds per system, median shown (source messages per second).`,
  );
  for (const scenario of scenarios) {
    const w = [];
    const n = [];
    try {
      for (let r = 0; r < rounds; r++) {
        w.push(await runWorker("wattflow-worker.mjs", scenario, RUN_MESSAGES.wattflow));
        n.push(await runWorker("nodered-worker.mjs", scenario, RUN_MESSAGES.nodered));
      }
    } catch (err) {
      failed[`engine.${scenario}`] = err instanceof Error ? err.message : String(err);
      console.log(`${scenario}: FAILED: ${failed[`engine.${scenario}`]}`);
      continue;
    }
    const wattflow = median(w);
    const nodered = median(n);
    figures[scenario] = { wattflow: Math.round(wattflow), nodered: Math.round(nodered), ratio: Number((wattflow / nodered).toFixed(1)), settings: scenarioSettings(scenario) };
  }

  console.log("");
  console.log("scenario   wattflow msg/s   node-red msg/s    ratio   goal");
  for (const name of scenarios) {
    const f = figures[name];
    if (!f) continue;
    const goal = GOALS[name] === undefined ? "" : `≥${GOALS[name]}× (${f.ratio >= GOALS[name] ? "met" : "not met"})`;
    console.log(`${name.padEnd(8)} ${fmt(f.wattflow).padStart(16)} ${fmt(f.nodered).padStart(16)} ${`${f.ratio}×`.padStart(8)}   ${goal}`);
    console.log(`         wattflow: ${f.settings.wattflow}\n         node-red: ${f.settings.nodered}`);
  }
});

await part("startup", async () => {
  const startup = await runStartupBench({ rounds });
  Object.assign(figures, startupFigures(startup));
  printStartup(startup);
});

await part("store", async () => {
  figures.store = await runStoreBench(() => undefined);
  printStoreBench(figures.store);
});

await part("mqtt", async () => {
  figures.mqtt = await runMqttIngestBench({ rounds });
  printMqttIngest(figures.mqtt);
});

await part("function", async () => {
  figures.function = await runFunctionIsolationBench({ rounds });
  printFunctionIsolation(figures.function);
});

await part("isolate", async () => {
  const { runFlowIsolationBench, printFlowIsolation } = await import("./flow-isolation.mjs");
  printFlowIsolation((figures.isolate = await runFlowIsolationBench({ rounds })));
});

await part("scale", async () => {
  figures.scale = { store: await runScaleStoreBench({ rounds }) };
  printScaleStore(figures.scale.store);
  console.log("");
  figures.scale.runtimes = await runScaleRuntimesBench({ rounds });
  printScaleRuntimes(figures.scale.runtimes);
});

// Only when asked for (--only editor): it needs Chromium and the built editor.
if (only === "editor") {
  await part("editor", async () => {
    const { runEditorBench, printEditorBench } = await import("./editor.mjs");
    printEditorBench((figures.editor = await runEditorBench()));
  });
}
if (Object.keys(failed).length > 0) {
  figures.failed = failed;
  process.exitCode = 1;
}
if (json) console.log(JSON.stringify(figures));
