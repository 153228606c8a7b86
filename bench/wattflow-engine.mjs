// Runs one flow document on Wattflow's engine (the built runtime and node library) for a benchmark worker.
import pino from "pino";
import { Engine } from "../packages/runtime/dist/index.js";
import { compileFlow, diffFlows } from "../packages/runtime/dist/flow/index.js";
import { RouteTable } from "../packages/runtime/dist/server/route-table.js";
import { Registry } from "../packages/runtime/dist/registry/registry.js";
import { nodes, connections } from "../packages/nodes/dist/index.js";

/** Compiles `doc` with the standard nodes and connections plus `extraNodes`, deploys it, and returns the engine. */
export async function deployBenchFlow(doc, extraNodes, store) {
  const registry = new Registry();
  for (const d of [...nodes, ...extraNodes]) registry.registerNode(d, "bench");
  for (const c of connections) registry.registerConnection(c, "bench");
  const result = compileFlow(doc, { registry, env: {} });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const engine = new Engine({
    store,
    log: pino({ level: "silent" }),
    http: new RouteTable(),
    ws: { endpoint: () => ({ path: "", broadcast: () => 0, clientCount: 0, onMessage() {}, close() {} }) },
    // freeze: the shipped default (off under NODE_ENV=production, which the bench sets for both systems).
  });
  await engine.deploy(result.flow, diffFlows(undefined, result.flow));
  return engine;
}
