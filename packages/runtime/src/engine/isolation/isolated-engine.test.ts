/**
 * The engine with an isolated flow, without the rest of the runtime: a flow
 * that cannot start in its worker is reported and leaves the engine running;
 * stopping the engine ends the worker, and what was in it fails.
 */
import { afterEach, describe, expect, it } from "vitest";
import { nodes } from "@wattflow/nodes";
import { Engine } from "../engine.js";
import { createMessage } from "../message.js";
import type { Completion } from "../types.js";
import { Registry } from "../../registry/registry.js";
import { compileFlow, diffFlows, formatIssue } from "../../flow/index.js";
import type { CompiledFlow } from "../../flow/compiled.js";
import { openStore } from "../../store/index.js";
import { RouteTable } from "../../server/route-table.js";
import { MemoryWsHub } from "../../testing/memory-ws.js";
import { capturingLogger, collectNode, until } from "../../testing/index.js";

let engine: Engine | undefined;
const lines: string[] = [];

function start(): Engine {
  engine = new Engine({ store: openStore({ memory: true }), log: capturingLogger(lines, "info"), http: new RouteTable(), ws: new MemoryWsHub(), closeTimeoutMs: 1000 });
  return engine;
}

function compile(doc: object): CompiledFlow {
  const registry = new Registry();
  for (const d of [...nodes, collectNode]) registry.registerNode(d, "test");
  const result = compileFlow({ format: "wattflow/flow@1", ...doc }, { registry, env: {} });
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join("; "));
  return result.flow;
}

afterEach(async () => {
  // Ends every isolated flow's worker, also when a test failed.
  await engine?.stop();
  engine = undefined;
  lines.length = 0;
});

describe("an isolated flow in the engine", () => {
  it("that needs a node type its worker's plugins lack is reported, and the engine runs on", async () => {
    const e = start();
    const flow = compile({ id: "odd", isolate: true, nodes: [{ id: "in", type: "link-in", wires: [["out"]] }, { id: "out", type: "test-collect" }] });
    await e.deploy(flow, diffFlows(undefined, flow));
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContainEqual(
      expect.stringMatching(/^odd: the isolated flow did not start in its worker: flow odd is isolated, but its worker thread's plugins lack node out \(type test-collect\)/),
    );
    const completion = await new Promise<Completion>((resolve) => e.inject("odd", "in", createMessage({ payload: 1 }), resolve));
    expect(completion).toMatchObject({ outcome: "nack", error: { message: "odd/in is not running" } });
  });

  it("moves into its worker and back when a redeploy sets or clears isolate", async () => {
    const e = start();
    const doc = (isolate: boolean) => ({
      id: "moving",
      ...(isolate ? { isolate: true } : {}),
      nodes: [
        { id: "in", type: "link-in", wires: [["double"]] },
        { id: "double", type: "function", config: { code: "return { ...msg, payload: msg.payload * 2 };" } },
      ],
    });
    const run = async (): Promise<Completion> => new Promise((resolve) => e.inject("moving", "in", createMessage({ payload: 1 }), resolve));
    const inProcess = compile(doc(false));
    await e.deploy(inProcess, diffFlows(undefined, inProcess));
    expect(await run()).toEqual({ outcome: "ack" });
    const isolated = compile(doc(true));
    await e.deploy(isolated, diffFlows(inProcess, isolated));
    expect(await run()).toEqual({ outcome: "ack" });
    // The counters now come from the worker, which started afresh: one message there.
    await until(() => e.stats().find((s) => s.nodeId === "double")?.received === 1, 5000, "the worker's counters");
    const back = compile(doc(false));
    await e.deploy(back, diffFlows(isolated, back));
    expect(await run()).toEqual({ outcome: "ack" });
    expect(e.stats().find((s) => s.nodeId === "double")?.received).toBe(1);
  });

  it("stops with the engine: the worker ends and a message still in it fails", async () => {
    const e = start();
    const flow = compile({
      id: "slow",
      isolate: true,
      nodes: [
        { id: "in", type: "link-in", wires: [["wait"]] },
        { id: "wait", type: "function", config: { code: "await new Promise(() => {});", messageTimeout: "60s" } },
      ],
    });
    await e.deploy(flow, diffFlows(undefined, flow));
    const completion = new Promise<Completion>((resolve) => e.inject("slow", "in", createMessage({ payload: 1 }), resolve));
    await until(() => (e.stats().find((s) => s.nodeId === "wait")?.inFlight ?? 0) === 1, 5000, "the message waiting in the worker");
    // The stop does not wait out the message's 60 s: it fails it after the close timeout.
    const stopped = await Promise.race([e.stop().then(() => "stopped"), new Promise((r) => setTimeout(() => r("still stopping"), 30_000).unref())]);
    engine = undefined;
    expect(stopped).toBe("stopped");
    expect(await completion).toMatchObject({ outcome: "nack" });
    expect(e.flowIds()).toEqual([]);
  });
});
