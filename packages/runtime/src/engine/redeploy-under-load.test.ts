/**
 * A redeploy that restarts a node while its queue holds messages: none is
 * lost or nacked, and the new instance takes them in their order.
 */
import { afterEach, describe, expect, it } from "vitest";
import pino from "pino";
import { Type } from "@sinclair/typebox";
import { Engine } from "./engine.js";
import type { Completion } from "./types.js";
import { defineNode, type AnyNodeDefinition } from "../registry/define.js";
import { Registry } from "../registry/registry.js";
import { compileFlow, diffFlows } from "../flow/index.js";
import { FLOW_FORMAT } from "../flow/types.js";
import type { CompiledFlow } from "../flow/compiled.js";
import { openStore } from "../store/index.js";
import { RouteTable } from "../server/route-table.js";
import { MemoryWsHub } from "../testing/memory-ws.js";

const COUNT = 300;
const outcomes = new Map<number, Completion>();

/** Sends payloads 0..COUNT-1 at once, each tracked to its completion. */
const burst = defineNode({
  type: "tracked-burst",
  category: "test",
  summary: "sends a tracked burst",
  config: Type.Object({}),
  inputs: 0,
  outputs: ["out"],
  create(node) {
    return {
      trigger() {
        for (let i = 0; i < COUNT; i++) void node.send(node.newMessage({ payload: i }), { onComplete: (c) => outcomes.set(i, c) });
      },
    };
  },
});

/** One message at a time, each finished by the test; remembers which version of itself handled it. */
const handled: { version: string; payload: number }[] = [];
const pending: (() => void)[] = [];
const gated = defineNode({
  type: "versioned-sink",
  category: "test",
  summary: "sink finished by the test",
  config: Type.Object({ version: Type.String() }),
  concurrency: 1,
  inputs: 1,
  outputs: [],
  create(_node, c) {
    return {
      input(msg, _send, done) {
        handled.push({ version: c.version, payload: msg.payload as number });
        pending.push(() => done());
      },
      // Closing takes a while (as a node flushing its state does): the redeploy is under way meanwhile.
      close: () => new Promise<void>((r) => setTimeout(r, 20)),
    };
  },
});

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  handled.length = 0;
  pending.length = 0;
  outcomes.clear();
});

function compile(version: string): CompiledFlow {
  const registry = new Registry();
  for (const d of [burst, gated] as AnyNodeDefinition[]) registry.registerNode(d);
  const compiled = compileFlow(
    {
      format: FLOW_FORMAT,
      id: "r",
      nodes: [
        { id: "src", type: "tracked-burst", wires: [["sink"]] },
        { id: "sink", type: "versioned-sink", config: { version }, queue: { size: COUNT, policy: "block" } },
      ],
    },
    { registry, env: {} },
  );
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return compiled.flow;
}

/** Finishes held messages one by one until every source message has completed (or the deadline passes). */
async function drainSink(): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (outcomes.size < COUNT && Date.now() < deadline) {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
}

describe("redeploy under load", () => {
  it.each([
    ["with a message in the node's hands throughout", false],
    ["when the message in its hands finishes while the old instance closes", true],
  ])("a restarted node keeps its queue: %s", async (_case, finishDuringClose) => {
    const v1 = compile("v1");
    engine = new Engine({ store: openStore({ memory: true }), log: pino({ level: "silent" }), http: new RouteTable(), ws: new MemoryWsHub(), freeze: true });
    await engine.deploy(v1, diffFlows(undefined, v1));
    await engine.trigger("r", "src");
    for (let i = 0; i < 20; i++) {
      pending.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    const before = handled.length;
    expect(before).toBeGreaterThan(10);
    expect(outcomes.size).toBe(before - 1);

    const v2 = compile("v2");
    const diff = diffFlows(v1, v2);
    expect(diff.changed).toEqual(["sink"]);
    const deploying = engine.deploy(v2, diff);
    if (finishDuringClose) {
      // The old instance is closing: finishing its message frees the slot while the queue still holds the rest.
      await new Promise((r) => setImmediate(r));
      pending.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await deploying;
    await drainSink();

    expect(outcomes.size).toBe(COUNT);
    const nacks = [...outcomes].filter(([, c]) => c.outcome === "nack").map(([i, c]) => `${i}: ${c.outcome === "nack" ? c.error.message : ""}`);
    expect(nacks).toEqual([]);
    expect(handled.map((h) => h.payload)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    // The old instance handled what it had before the redeploy; the new one everything after.
    const firstOfV2 = handled.findIndex((h) => h.version === "v2");
    expect(firstOfV2).toBeGreaterThanOrEqual(before);
    expect(handled.slice(firstOfV2).every((h) => h.version === "v2")).toBe(true);
    expect(engine.stats().find((s) => s.nodeId === "sink")!.dropped).toBe(0);
  });
});
