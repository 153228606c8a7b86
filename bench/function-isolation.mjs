// The function node in-process against `isolation: "worker"`, each run in a fresh process (NODE_ENV=production).
// `node bench/function-isolation.mjs` on its own (after a build), or `npm run bench -- --only function`.
//  - trivial: 100,000 messages through `return { ...msg, payload: msg.payload + 1 }`: what crossing to a worker costs.
//  - two busy flows: two flows, each 2,000 messages through code that computes about 1 ms per message, at once:
//    in-process they share the runtime's one thread; isolated, each function has its own, so 2 cores help.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sourceAndSink } from "./bench-nodes.mjs";

const TRIVIAL_MESSAGES = 100_000;
const BUSY_MESSAGES = 2_000;
const BUSY_CODE = "let x = 0;\nfor (let i = 0; i < 300000; i++) x = (x + i * 7) % 1000003;\nreturn { ...msg, payload: x };";
const TRIVIAL_CODE = "return { ...msg, payload: msg.payload + 1 };";

const here = fileURLToPath(import.meta.url);

/** In the child: deploys the scenario's flows, pushes the messages, reports messages/s. */
async function child(scenario, isolation) {
  const { Type, defineNode } = await import("../packages/runtime/dist/index.js");
  const { openStore } = await import("../packages/runtime/dist/store/index.js");
  const { deployBenchFlow } = await import("./wattflow-engine.mjs");
  const busy = scenario === "busy";
  const perFlow = busy ? BUSY_MESSAGES : TRIVIAL_MESSAGES;
  const flows = busy ? 2 : 1;
  let startedAt = 0;
  const { source, sink, allIn } = sourceAndSink({ Type, defineNode }, { perFlow, total: perFlow * flows });
  const nodes = [];
  for (let f = 0; f < flows; f++) {
    nodes.push(
      { id: `src${f}`, type: "bench-source", wires: [[`fn${f}`]] },
      { id: `fn${f}`, type: "function", config: { code: busy ? BUSY_CODE : TRIVIAL_CODE, isolation, timeout: "10s", messageTimeout: "300s" }, wires: [[`sink${f}`]] },
      { id: `sink${f}`, type: "bench-sink" },
    );
  }
  const engine = await deployBenchFlow({ format: "wattflow/flow@1", id: "bench", nodes }, [source, sink], openStore({ memory: true }));
  // Let the workers start: a node's worker starts with the node, which is part of deploying, not of each message.
  await new Promise((r) => setTimeout(r, 200));
  startedAt = performance.now();
  for (let f = 0; f < flows; f++) await engine.trigger("bench", `src${f}`);
  await allIn;
  const ms = performance.now() - startedAt;
  const errors = engine.stats().reduce((n, s) => n + s.errors, 0);
  const report = { rate: ((perFlow * flows) / ms) * 1000, errors };
  if (process.send) process.send(report);
  else console.log(report);
  setImmediate(() => process.exit(0));
}

function runChild(scenario, isolation) {
  return new Promise((resolve, reject) => {
    const p = fork(here, ["--child", scenario, isolation], { env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    let report;
    const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
    p.on("message", (m) => (report = m));
    p.on("exit", (code) => {
      clearTimeout(timer);
      if (!report) return reject(new Error(`function bench ${scenario}/${isolation}: exited ${code} without a report`));
      if (report.errors > 0) return reject(new Error(`function bench ${scenario}/${isolation}: ${report.errors} message(s) failed`));
      resolve(report.rate);
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Alternates in-process and worker runs; the median of `rounds` each, messages per second. */
export async function runFunctionIsolationBench({ rounds = 3 } = {}) {
  const figures = {};
  for (const scenario of ["trivial", "busy"]) {
    const none = [];
    const worker = [];
    for (let r = 0; r < rounds; r++) {
      none.push(await runChild(scenario, "none"));
      worker.push(await runChild(scenario, "worker"));
    }
    const a = median(none);
    const b = median(worker);
    figures[scenario] = { inProcess: Math.round(a), worker: Math.round(b), ratio: Number((b / a).toFixed(2)) };
  }
  return figures;
}

export function printFunctionIsolation(figures) {
  const fmt = (n) => Math.round(n).toLocaleString("en-US");
  console.log("function node: in-process against isolation \"worker\" (messages per second, median; ratio = worker / in-process)");
  console.log("scenario                          in-process         worker    ratio");
  const label = { trivial: `trivial code, ${fmt(TRIVIAL_MESSAGES)} msgs`, busy: `2 busy flows (~1 ms/msg) at once` };
  for (const [name, f] of Object.entries(figures)) {
    console.log(`${label[name].padEnd(32)} ${fmt(f.inProcess).padStart(11)} ${fmt(f.worker).padStart(14)} ${`${f.ratio}×`.padStart(8)}`);
  }
  if (figures.trivial) {
    const us = (1e6 / figures.trivial.worker - 1e6 / figures.trivial.inProcess).toFixed(1);
    console.log(`crossing to the worker and back: about ${us} µs more per message`);
  }
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4]);
} else if (process.argv[1] === here) {
  printFunctionIsolation(await runFunctionIsolationBench({ rounds: Number(process.env.BENCH_ROUNDS ?? 3) }));
}
