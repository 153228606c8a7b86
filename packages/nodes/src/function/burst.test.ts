import { afterEach, describe, expect, it } from "vitest";
import { defineNode, Type, type Engine } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import fn from "./index.js";
import change from "../change/index.js";
import inject from "../inject/index.js";

/**
 * `block` never drops: a function node that sends far faster than its
 * targets drain is held (its sends wait in its outbox, its input waits), and
 * every queue stays within its size while the burst goes through.
 */
let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

interface Watch {
  count: number;
  /** Every payload arrived in order (one wire, so order is guaranteed). */
  inOrder: boolean;
  maxQueued: Record<string, number>;
  maxHeld: Record<string, number>;
}

/** Counts what arrives, checks order, and samples every node's queue and outbox as it goes. */
function counter(watch: Watch, engine: () => Engine | undefined, sampleEvery: number) {
  return defineNode({
    type: "burst-count",
    category: "test",
    summary: "counts and samples queue depths",
    config: Type.Object({}),
    inputs: 1,
    outputs: [],
    create() {
      return {
        input(msg, _send, done) {
          if (msg.payload !== watch.count) watch.inOrder = false;
          watch.count += 1;
          if (watch.count % sampleEvery === 0) sample(watch, engine());
          done();
        },
      };
    },
  });
}

function sample(watch: Watch, engine: Engine | undefined): void {
  for (const s of engine?.stats() ?? []) {
    watch.maxQueued[s.nodeId] = Math.max(watch.maxQueued[s.nodeId] ?? 0, s.queued);
    watch.maxHeld[s.nodeId] = Math.max(watch.maxHeld[s.nodeId] ?? 0, s.held ?? 0);
  }
}

/** inject → function (the code under test) → 5 change nodes → an optional slow function → the counter. */
function burstFlow(code: string, queueSize: number, slowSink: boolean) {
  const changes = [1, 2, 3, 4, 5].map((i) => ({
    id: `c${i}`,
    type: "change",
    queue: { size: queueSize },
    config: { rules: [{ action: "set", path: `p${i}`, value: String(i), valueType: "string" }] },
    wires: [[i < 5 ? `c${i + 1}` : slowSink ? "slow" : "count"]],
  }));
  return {
    nodes: [
      { id: "go", type: "inject", config: { payload: "", payloadType: "string" }, wires: [["burst"]] },
      { id: "burst", type: "function", queue: { size: queueSize }, config: { code, timeout: "5s", messageTimeout: "120s" }, wires: [["c1"]] },
      ...changes,
      // An async function is the slowest step: it has at most `concurrency` messages in flight.
      ...(slowSink
        ? [{ id: "slow", type: "function", queue: { size: queueSize }, config: { code: "await new Promise((r) => setImmediate(r)); return msg;", timeout: "0s" }, wires: [["count"]] }]
        : []),
      { id: "count", type: "burst-count", queue: { size: queueSize } },
    ],
  };
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("function bursts under the default `block` policy", () => {
  it("1,000,000 awaited sends into a slow function arrive complete and in order; no queue exceeds its size, the sender holds one", async () => {
    const N = 1_000_000;
    const size = 1000;
    const watch: Watch = { count: 0, inOrder: true, maxQueued: {}, maxHeld: {} };
    t = await startTestFlow(burstFlow(`for (let i = 0; i < ${N}; i++) await node.send({ payload: i }); return null;`, size, true), {
      nodes: [fn, change, inject, counter(watch, () => t?.engine, 5000)],
      freeze: false,
    });
    await t.engine.trigger(t.flowId, "go");
    await waitUntil(() => watch.count >= N, 60_000);
    const stats = t.engine.stats();
    expect(watch.count).toBe(N);
    expect(watch.inOrder).toBe(true);
    expect(stats.reduce((sum, s) => sum + s.dropped, 0)).toBe(0);
    for (const [node, depth] of Object.entries(watch.maxQueued)) expect(depth, node).toBeLessThanOrEqual(size);
    // Each change node holds at most the one message its downstream had no room for; the burst node one send.
    for (const [node, held] of Object.entries(watch.maxHeld)) expect(held, node).toBeLessThanOrEqual(1);
    // The slow function's queue filled and the nodes before it were held: the bound was reached, not just never approached.
    expect(watch.maxQueued.slow).toBe(size);
    expect(watch.maxHeld.burst).toBe(1);
  }, 90_000);

  it("200,000 sends in a loop that never awaits, into a slow function: all arrive, queues stay within their size", async () => {
    const N = 200_000;
    const size = 10_000;
    const watch: Watch = { count: 0, inOrder: true, maxQueued: {}, maxHeld: {} };
    t = await startTestFlow(burstFlow(`for (let i = 0; i < ${N}; i++) node.send({ payload: i }); return null;`, size, true), {
      nodes: [fn, change, inject, counter(watch, () => t?.engine, 2000)],
    });
    await t.engine.trigger(t.flowId, "go");
    await waitUntil(() => watch.count >= N, 60_000);
    expect(watch.count).toBe(N);
    expect(watch.inOrder).toBe(true);
    const stats = t.engine.stats();
    expect(stats.reduce((sum, s) => sum + s.dropped, 0)).toBe(0);
    for (const [node, depth] of Object.entries(watch.maxQueued)) expect(depth, node).toBeLessThanOrEqual(size);
    // The loop's sends waited in its outbox (that is the memory a loop that never awaits costs) ...
    expect(watch.maxHeld.burst).toBeGreaterThan(0);
    // ... and the burst's message was done only once all of them were accepted.
    await waitUntil(() => t!.engine.stats().find((s) => s.nodeId === "burst")!.inFlight === 0, 5000);
    expect(t.engine.stats().find((s) => s.nodeId === "burst")!.held).toBe(0);
  }, 90_000);
});

describe("a loop in the flow under `block`", () => {
  it("is not held on itself: a function feeding its own input through small queues finishes every message", async () => {
    t = await startTestFlow(
      {
        nodes: [
          {
            id: "loop",
            type: "function",
            queue: { size: 4 },
            config: { code: "return msg.payload > 0 ? [{ ...msg, payload: msg.payload - 1 }, null] : [null, msg];", outputs: 2 },
            wires: [["again"], ["out"]],
          },
          { id: "again", type: "change", queue: { size: 4 }, config: { rules: [{ action: "set", path: "looped", value: "yes", valueType: "string" }] }, wires: [["loop"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: [fn, change] },
    );
    for (let i = 0; i < 50; i++) t.inject("loop", { payload: 20, topic: String(i) });
    const out = await t.waitFor("out", 50, 10_000);
    expect(new Set(out.map((m) => m.topic)).size).toBe(50);
    expect(t.engine.stats().reduce((sum, s) => sum + s.dropped, 0)).toBe(0);
  });
});
