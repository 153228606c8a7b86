/**
 * The drop policies, exactly: which messages a full queue keeps, and that
 * every evicted or refused message is nacked to its source while every kept
 * one is acked once handled.
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
import { openStore } from "../store/index.js";
import { RouteTable } from "../server/route-table.js";
import { MemoryWsHub } from "../testing/memory-ws.js";

const outcomes = new Map<number, Completion>();

/** Sends payloads 0..count-1 in one synchronous loop, each tracked to its completion. */
const burst = defineNode({
  type: "tracked-burst",
  category: "test",
  summary: "sends a tracked burst",
  config: Type.Object({ count: Type.Integer() }),
  inputs: 0,
  outputs: ["out"],
  create(node, c) {
    return {
      trigger() {
        for (let i = 0; i < c.count; i++) {
          void node.send(node.newMessage({ payload: i }), { onComplete: (done) => outcomes.set(i, done) });
        }
      },
    };
  },
});

/** Holds each message until the test lets it go, one at a time. */
let handled: number[] = [];
let pending: (() => void)[] = [];
const gated = defineNode({
  type: "gated",
  category: "test",
  summary: "sink finished by the test",
  config: Type.Object({}),
  concurrency: 1,
  inputs: 1,
  outputs: [],
  create() {
    return {
      input(msg, _send, done) {
        handled.push(msg.payload as number);
        pending.push(() => done());
      },
    };
  },
});

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  handled = [];
  pending = [];
  outcomes.clear();
});

const QUEUE = 10;
const COUNT = 50;

async function burstInto(policy: "drop-oldest" | "drop-newest"): Promise<Engine> {
  const registry = new Registry();
  for (const d of [burst, gated] as AnyNodeDefinition[]) registry.registerNode(d);
  const doc = {
    format: FLOW_FORMAT,
    id: "d",
    nodes: [
      { id: "src", type: "tracked-burst", config: { count: COUNT }, wires: [["sink"]] },
      { id: "sink", type: "gated", queue: { size: QUEUE, policy } },
    ],
  };
  const compiled = compileFlow(doc, { registry, env: {} });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  engine = new Engine({
    store: openStore({ memory: true }),
    log: pino({ level: "silent" }),
    http: new RouteTable(),
    ws: new MemoryWsHub(),
    freeze: true,
  });
  await engine.deploy(compiled.flow, diffFlows(undefined, compiled.flow));
  await engine.trigger("d", "src");
  return engine;
}

/** Finishes held messages one by one until every source message has completed (or the deadline passes). */
async function drainSink(): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (outcomes.size < COUNT && Date.now() < deadline) {
    const next = pending.shift();
    if (next) next();
    await new Promise((r) => setImmediate(r));
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const nacked = (): number[] => [...outcomes].filter(([, c]) => c.outcome === "nack").map(([i]) => i).sort((a, b) => a - b);
const acked = (): number[] => [...outcomes].filter(([, c]) => c.outcome === "ack").map(([i]) => i).sort((a, b) => a - b);

describe("drop policies, message by message", () => {
  it("drop-oldest: the queue ends holding the newest; each evicted message is nacked as it is evicted", async () => {
    const e = await burstInto("drop-oldest");
    // Message 0 went straight to the idle sink; 1..10 queued, then each newcomer evicted the head.
    expect(handled).toEqual([0]);
    expect(nacked()).toEqual(range(1, COUNT - QUEUE));
    for (const i of nacked()) {
      const c = outcomes.get(i)!;
      expect(c.outcome === "nack" && c.error.message).toMatch(/input queue is full/);
    }
    // Nothing kept has completed yet: they are still queued or held by the sink.
    expect(acked()).toEqual([]);

    await drainSink();
    expect(handled).toEqual([0, ...range(COUNT - QUEUE, COUNT)]);
    expect(acked()).toEqual([0, ...range(COUNT - QUEUE, COUNT)]);
    expect(nacked()).toEqual(range(1, COUNT - QUEUE));
    const sink = e.stats().find((s) => s.nodeId === "sink")!;
    expect(sink.dropped).toBe(COUNT - QUEUE - 1);
    expect(sink.received).toBe(QUEUE + 1);
  });

  it("drop-newest: the queue keeps the first arrivals; each refused message is nacked at once", async () => {
    const e = await burstInto("drop-newest");
    expect(handled).toEqual([0]);
    expect(nacked()).toEqual(range(QUEUE + 1, COUNT));
    for (const i of nacked()) {
      const c = outcomes.get(i)!;
      expect(c.outcome === "nack" && c.error.message).toMatch(/input queue is full/);
    }
    expect(acked()).toEqual([]);

    await drainSink();
    expect(handled).toEqual(range(0, QUEUE + 1));
    expect(acked()).toEqual(range(0, QUEUE + 1));
    const sink = e.stats().find((s) => s.nodeId === "sink")!;
    expect(sink.dropped).toBe(COUNT - QUEUE - 1);
    expect(sink.received).toBe(QUEUE + 1);
  });
});
