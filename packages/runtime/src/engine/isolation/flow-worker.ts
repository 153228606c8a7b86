/**
 * The program of an isolated flow's worker thread (`"isolate": true`): its
 * own plugins, its own engine and event loop, and everything else (store,
 * flow server, job gate, the other flows) reached through the main thread.
 * Started by IsolatedFlow with `flow-worker.js` beside it.
 */
import { parentPort, workerData } from "node:worker_threads";
import pino from "pino";
import { diffFlows } from "../../flow/diff.js";
import type { FlowDiff } from "../../flow/types.js";
import { Registry } from "../../registry/registry.js";
import { discoverPlugins } from "../../registry/discover.js";
import { Engine } from "../engine.js";
import type { RuntimeNode } from "../runtime-node.js";
import { Scheduler } from "../scheduler.js";
import type { RouteInfo } from "../types.js";
import { Channel } from "./channel.js";
import { installMainThread } from "./main-thread.js";
import { acceptDeliveries, Deliveries, remoteCompiled, StandIns } from "./stand-ins.js";
import { fromWireFlow, type WireFlow } from "./wire-flow.js";
import { remoteJobs, remoteRouter, remoteStore, remoteWsHub } from "./worker-services.js";
import type { FlowWorkerData } from "./worker-data.js";

const data = workerData as FlowWorkerData;
const port = parentPort!;

// Log lines go to the main thread's logger, which writes them with the rest.
let channel: Channel;
const log = pino({ level: data.logLevel, base: undefined }, { write: (line: string) => channel.note("log", line) });
channel = new Channel(port, (text) => log.warn(`${data.flowId} (isolated): ${text}`));

process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled promise rejection (a node forgot to catch it); the flow keeps running"));

const registry = new Registry();
// The main thread already reported plugins that fail to load.
const discovered = discoverPlugins({ registry, searchDirs: data.pluginDirs, ...(data.nodesDir ? { nodesDir: data.nodesDir } : {}), log: pino({ level: "silent" }) });

installMainThread(channel);
const http = remoteRouter(channel);
const store = remoteStore(channel, data.storeBackend, data.storeLocation, (err) =>
  log.error({ err: err.message }, `a context write did not reach the store (the running nodes keep the value): ${err.message}`),
);

const deliveries = new Deliveries(channel);
const lastFailure = new Map<string, number>();
const standIns = new StandIns(
  {
    scheduler: new Scheduler(data.batchSize),
    freeze: data.freeze,
    failed: (node, err) => {
      // Said once a minute per target: a link to a flow that is gone fails every message.
      const now = Date.now();
      if (now - (lastFailure.get(node.key) ?? -Infinity) < 60_000) return;
      lastFailure.set(node.key, now);
      log.warn({ node: node.key }, `${data.flowId}: a message to ${node.key} failed: ${err instanceof Error ? err.message : String(err)}`);
    },
    blockedChanged: () => undefined,
    dropped: (node) => log.warn({ node: node.key }, `${data.flowId}: a message to ${node.key} was dropped (its queue here is full)`),
  },
  () => deliveries,
  () => "not reachable",
);
/** Nodes of the flows in the main thread (and other workers), as this flow's links reach them. */
const remoteNodes = new Map<string, RuntimeNode>();

const engine = new Engine({
  store,
  log,
  http,
  ws: remoteWsHub(channel),
  jobs: remoteJobs(channel, data.jobsShared),
  onEvent: (event) => channel.note("event", event),
  freeze: data.freeze,
  closeTimeoutMs: data.closeTimeoutMs,
  ...(data.timezone ? { timezone: data.timezone } : {}),
  ...(data.batchSize ? { batchSize: data.batchSize } : {}),
  // The flow is isolated already: it runs here.
  isolation: false,
  remote: (key) => {
    let node = remoteNodes.get(key);
    if (!node) {
      const slash = key.indexOf("/");
      node = standIns.create(key.slice(0, slash), remoteCompiled(key.slice(slash + 1)));
      remoteNodes.set(key, node);
    }
    return node;
  },
});
acceptDeliveries(channel, (flowId, nodeId, msg, onComplete) => engine.inject(flowId, nodeId, msg, onComplete));

async function deploy(wire: WireFlow, diff: FlowDiff | undefined): Promise<void> {
  await discovered;
  const flow = fromWireFlow(wire, registry);
  await engine.deploy(flow, diff ?? diffFlows(undefined, flow));
}

channel.handle("start", (wire: WireFlow) => deploy(wire, undefined));
channel.handle("apply", (wire: WireFlow, diff: FlowDiff) => deploy(wire, diff));
channel.handle("stop", async (reason: "shutdown" | "removed") => {
  await engine.remove(data.flowId, reason);
  await engine.stop();
  // Context written by this flow reaches the store before the thread ends.
  await store.close();
});
channel.handle("trigger", (nodeId: string) => engine.trigger(data.flowId, nodeId));
channel.handle("connections", () => engine.connectionStats());
channel.handle("routes", (routes: RouteInfo[]) => http.routesChanged(routes));
channel.handle("ping", (seq: number) => channel.note("pong", seq));

// Counters go to the main thread when they change, for /api/stats and /metrics there (which read synchronously).
let lastStats = "";
const statsTimer = setInterval(() => {
  const stats = engine.stats();
  const text = JSON.stringify(stats);
  if (text === lastStats) return;
  lastStats = text;
  channel.note("stats", stats);
}, data.statsMs);
statsTimer.unref();
