// Flows in the main thread against flows marked `"isolate": true` (each in its own worker thread), each run in a
// fresh process (NODE_ENV=production). `node bench/flow-isolation.mjs` on its own (after a build), or
// `npm run bench -- --only isolate`.
//  - crossing: 50,000 messages from a source in the main flow, through a link into the far flow (link-in → link-out)
//    and a link back to a sink in the main flow: isolated, every message crosses into the worker and back.
//  - two busy flows: the main flow feeds two far flows 2,000 messages each, through code that computes about
//    1 ms per message; in one thread they share it, isolated each has its own, so the 2 cores help.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sourceAndSink } from "./bench-nodes.mjs";

const CROSSING_MESSAGES = 50_000;
const BUSY_MESSAGES = 2_000;
const BUSY_CODE = "let x = 0;\nfor (let i = 0; i < 300000; i++) x = (x + i * 7) % 1000003;\nreturn { ...msg, payload: x };";

const here = fileURLToPath(import.meta.url);

/** In the child: deploys the far flows (isolated or not) and the main flow, pushes the messages, reports messages/s. */
async function child(scenario, isolate) {
  const { Engine, Type, defineNode } = await import("../packages/runtime/dist/index.js");
  const { openStore } = await import("../packages/runtime/dist/store/index.js");
  const { compileFlow, diffFlows } = await import("../packages/runtime/dist/flow/index.js");
  const { RouteTable } = await import("../packages/runtime/dist/server/route-table.js");
  const { Registry } = await import("../packages/runtime/dist/registry/registry.js");
  const { nodes, connections } = await import("../packages/nodes/dist/index.js");
  const pino = (await import("pino")).default;
  const busy = scenario === "busy";
  const far = busy ? ["far0", "far1"] : ["far0"];
  const perFlow = busy ? BUSY_MESSAGES : CROSSING_MESSAGES;
  const total = perFlow * far.length;
  const { source, sink, allIn } = sourceAndSink({ Type, defineNode }, { perFlow, total });
  const registry = new Registry();
  for (const d of [...nodes, source, sink]) registry.registerNode(d, "bench");
  for (const c of connections) registry.registerConnection(c, "bench");
  const engine = new Engine({
    store: openStore({ memory: true }),
    log: pino({ level: "warn" }),
    http: new RouteTable(),
    ws: { endpoint: () => ({ path: "", broadcast: () => 0, clientCount: 0, onMessage() {}, close() {} }) },
    freeze: false,
  });
  const deploy = async (doc) => {
    const result = compileFlow(doc, { registry, env: {} });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    await engine.deploy(result.flow, diffFlows(undefined, result.flow));
  };
  for (const id of far) {
    const work = busy
      ? [{ id: "work", type: "function", config: { code: BUSY_CODE, timeout: "10s", messageTimeout: "300s" }, wires: [["back"]] }]
      : [];
    await deploy({
      format: "wattflow/flow@1",
      id,
      ...(isolate === "isolated" ? { isolate: true } : {}),
      nodes: [{ id: "in", type: "link-in", wires: [[busy ? "work" : "back"]] }, ...work, { id: "back", type: "link-out", config: { links: ["main/back"] } }],
    });
  }
  await deploy({
    format: "wattflow/flow@1",
    id: "main",
    nodes: [
      ...far.flatMap((id, f) => [
        { id: `src${f}`, type: "bench-source", wires: [[`to${f}`]] },
        { id: `to${f}`, type: "link-out", config: { links: [`${id}/in`] } },
      ]),
      { id: "back", type: "link-in", wires: [["sink"]] },
      { id: "sink", type: "bench-sink" },
    ],
  });
  await new Promise((r) => setTimeout(r, 200));
  const startedAt = performance.now();
  for (let f = 0; f < far.length; f++) await engine.trigger("main", `src${f}`);
  await allIn;
  const ms = performance.now() - startedAt;
  // Counters of isolated flows come over a few times a second: let the last ones arrive.
  await new Promise((r) => setTimeout(r, 400));
  const errors = engine.stats().reduce((n, s) => n + s.errors, 0);
  const report = { rate: (total / ms) * 1000, errors };
  await engine.stop();
  if (process.send) process.send(report);
  else console.log(report);
  setImmediate(() => process.exit(0));
}

function runChild(scenario, isolate) {
  return new Promise((resolve, reject) => {
    const p = fork(here, ["--child", scenario, isolate], { env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    let report;
    const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
    p.on("message", (m) => (report = m));
    p.on("exit", (code) => {
      clearTimeout(timer);
      if (!report) return reject(new Error(`flow isolation bench ${scenario}/${isolate}: exited ${code} without a report`));
      if (report.errors > 0) return reject(new Error(`flow isolation bench ${scenario}/${isolate}: ${report.errors} message(s) failed`));
      resolve(report.rate);
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Alternates one-thread and isolated runs; the median of `rounds` each, messages per second. */
export async function runFlowIsolationBench({ rounds = 3 } = {}) {
  const figures = {};
  for (const scenario of ["crossing", "busy"]) {
    const together = [];
    const isolated = [];
    for (let r = 0; r < rounds; r++) {
      together.push(await runChild(scenario, "together"));
      isolated.push(await runChild(scenario, "isolated"));
    }
    const a = median(together);
    const b = median(isolated);
    figures[scenario] = { oneThread: Math.round(a), isolated: Math.round(b), ratio: Number((b / a).toFixed(2)) };
  }
  return figures;
}

export function printFlowIsolation(figures) {
  const fmt = (n) => Math.round(n).toLocaleString("en-US");
  console.log('flows: in the main thread against "isolate": true (messages per second, median; ratio = isolated / one thread)');
  console.log("scenario                          one thread       isolated    ratio");
  const label = { crossing: `link there and back, ${fmt(CROSSING_MESSAGES)}`, busy: "2 busy flows (~1 ms/msg) at once" };
  for (const [name, f] of Object.entries(figures)) {
    console.log(`${label[name].padEnd(32)} ${fmt(f.oneThread).padStart(11)} ${fmt(f.isolated).padStart(14)} ${`${f.ratio}×`.padStart(8)}`);
  }
  if (figures.crossing) {
    const us = (1e6 / figures.crossing.isolated - 1e6 / figures.crossing.oneThread).toFixed(1);
    console.log(`a message into an isolated flow and back: about ${us} µs more than a plain link`);
  }
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4]);
} else if (process.argv[1] === here) {
  printFlowIsolation(await runFlowIsolationBench({ rounds: Number(process.env.BENCH_ROUNDS ?? 3) }));
}
