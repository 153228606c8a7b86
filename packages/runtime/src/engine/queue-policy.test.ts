/**
 * Queue policies as a person sees them: `block` holds the sender and loses
 * nothing; the drop policies count every drop and say so in the log, once
 * per interval however many there are.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Writable } from "node:stream";
import pino from "pino";
import { Type } from "@sinclair/typebox";
import { Engine } from "./engine.js";
import { defineNode, type AnyNodeDefinition } from "../registry/define.js";
import { Registry } from "../registry/registry.js";
import { compileFlow, diffFlows } from "../flow/index.js";
import { FLOW_FORMAT } from "../flow/types.js";
import { openStore } from "../store/index.js";
import { RouteTable } from "../server/route-table.js";
import { MemoryWsHub } from "../testing/memory-ws.js";

/** Sends `count` messages in one synchronous loop when triggered, ignoring every signal. */
const burst = defineNode({
  type: "burst",
  category: "test",
  summary: "sends a burst",
  config: Type.Object({ count: Type.Integer() }),
  inputs: 0,
  outputs: ["out"],
  create(node, c) {
    return {
      trigger() {
        for (let i = 0; i < c.count; i++) void node.send(node.newMessage({ payload: i }));
      },
    };
  },
});

/** Takes one message at a time and finishes it on the next turn. */
let seen: number[] = [];
const slow = defineNode({
  type: "slow",
  category: "test",
  summary: "slow sink",
  config: Type.Object({}),
  concurrency: 1,
  inputs: 1,
  outputs: [],
  create() {
    return {
      input(msg, _send, done) {
        seen.push(msg.payload as number);
        setImmediate(() => done());
      },
    };
  },
});

let engine: Engine | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await engine?.stop();
  engine = undefined;
  seen = [];
});

async function run(policy: string, count: number): Promise<{ lines: string[]; engine: Engine }> {
  const lines: string[] = [];
  const log = pino(
    { level: "info" },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString().split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg));
        cb();
      },
    }),
  );
  const registry = new Registry();
  for (const d of [burst, slow] as AnyNodeDefinition[]) registry.registerNode(d);
  const doc = {
    format: FLOW_FORMAT,
    id: "q",
    nodes: [
      { id: "src", type: "burst", config: { count }, wires: [["sink"]] },
      { id: "sink", type: "slow", queue: { size: 10, policy } },
    ],
  };
  const compiled = compileFlow(doc, { registry, env: {} });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  engine = new Engine({ store: openStore({ memory: true }), log, http: new RouteTable(), ws: new MemoryWsHub(), freeze: true });
  await engine.deploy(compiled.flow, diffFlows(undefined, compiled.flow));
  await engine.trigger("q", "src");
  const sink = () => engine!.stats().find((s) => s.nodeId === "sink")!;
  for (let i = 0; i < 5000 && sink().received + sink().dropped < count; i++) await new Promise((r) => setImmediate(r));
  return { lines, engine };
}

describe("queue policies", () => {
  it("block: a burst of 500 into a queue of 10 arrives complete and in order; the sender was held", async () => {
    const { lines, engine: e } = await run("block", 500);
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
    const stats = e.stats();
    expect(stats.find((s) => s.nodeId === "sink")!.dropped).toBe(0);
    expect(stats.find((s) => s.nodeId === "src")!.held).toBe(0);
    // Said once, as flow control rather than loss.
    expect(lines.filter((l) => l.includes("input queue full")).length).toBe(1);
    expect(lines.some((l) => l.includes("dropped"))).toBe(false);
  });

  it("drop-newest: every drop counted; the first logged at once, the rest in one line after the interval", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { lines, engine: e } = await run("drop-newest", 500);
    const sink = e.stats().find((s) => s.nodeId === "sink")!;
    expect(sink.dropped).toBeGreaterThan(400);
    expect(sink.received + sink.dropped).toBe(500);
    const reports = () => lines.filter((l) => l.includes("dropped since the last report"));
    expect(reports()).toHaveLength(1);
    expect(reports()[0]).toMatch(/^q\/sink: input queue full \(10, policy drop-newest\): 1 message\(s\) dropped/);
    vi.advanceTimersByTime(10_000);
    expect(reports()).toHaveLength(2);
    expect(reports()[1]).toBe(`q/sink: input queue full (10, policy drop-newest): ${sink.dropped - 1} message(s) dropped since the last report, ${sink.dropped} in all`);
    // Nothing more to say: no further line.
    vi.advanceTimersByTime(30_000);
    expect(reports()).toHaveLength(2);
    // The kept ones are the first: the newest were refused.
    expect(seen[0]).toBe(0);
  });

  it("drop-oldest keeps the newest", async () => {
    const { engine: e } = await run("drop-oldest", 500);
    expect(e.stats().find((s) => s.nodeId === "sink")!.dropped).toBeGreaterThan(400);
    expect(seen).toContain(499);
  });
});

/**
 * A source that honours the pause signal: before each send it checks `isBlocked()` and, when a `block` queue
 * downstream is full, waits on `whenUnblocked()`. Every message is tracked to its completion.
 */
const politeLog = { pauses: 0, resumes: 0, sent: 0, outcomes: new Map<number, string>() };
let politeDone: Promise<void> = Promise.resolve();
const polite = defineNode({
  type: "polite",
  category: "test",
  summary: "a source that pauses while downstream is full",
  config: Type.Object({ count: Type.Integer() }),
  inputs: 0,
  outputs: ["out"],
  create(node, c) {
    const loop = async (): Promise<void> => {
      for (let i = 0; i < c.count; i++) {
        if (node.isBlocked()) {
          politeLog.pauses += 1;
          await node.whenUnblocked();
          politeLog.resumes += 1;
        }
        politeLog.sent += 1;
        // Not awaited: the pause signal, not the send's promise, is what paces this source.
        void node.send(node.newMessage({ payload: i }), { onComplete: (done) => politeLog.outcomes.set(i, done.outcome) });
      }
    };
    return {
      trigger() {
        politeDone = loop();
      },
    };
  },
});

/** Takes one message at a time and holds it until the test lets it go. */
let held: (() => void)[] = [];
let got: number[] = [];
const gate = defineNode({
  type: "gate",
  category: "test",
  summary: "sink finished by the test",
  config: Type.Object({}),
  concurrency: 1,
  inputs: 1,
  outputs: [],
  create() {
    return {
      input(msg, _send, done) {
        got.push(msg.payload as number);
        held.push(() => done());
      },
    };
  },
});

describe("a source that honours the pause signal", () => {
  const SIZE = 10;
  const COUNT = 100;
  const turn = () => new Promise((r) => setImmediate(r));

  it("pauses while the block queue is full, resumes once it has drained to half, and loses nothing", async () => {
    Object.assign(politeLog, { pauses: 0, resumes: 0, sent: 0, outcomes: new Map() });
    held = [];
    got = [];
    const registry = new Registry();
    for (const d of [polite, gate] as AnyNodeDefinition[]) registry.registerNode(d);
    const compiled = compileFlow(
      {
        format: FLOW_FORMAT,
        id: "p",
        nodes: [
          { id: "src", type: "polite", config: { count: COUNT }, wires: [["sink"]] },
          { id: "sink", type: "gate", queue: { size: SIZE, policy: "block" } },
        ],
      },
      { registry, env: {} },
    );
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    engine = new Engine({ store: openStore({ memory: true }), log: pino({ level: "silent" }), http: new RouteTable(), ws: new MemoryWsHub(), freeze: true });
    await engine.deploy(compiled.flow, diffFlows(undefined, compiled.flow));
    const stat = (id: string) => engine!.stats().find((s) => s.nodeId === id)!;
    await engine.trigger("p", "src");
    await turn();

    // One message in the sink, the queue full, and the one that found it full waits in the source's outbox:
    // the source saw the signal and stopped there.
    expect(got).toEqual([0]);
    expect(stat("sink").queued).toBe(SIZE);
    expect(stat("src").held).toBe(1);
    expect(politeLog).toMatchObject({ sent: SIZE + 2, pauses: 1, resumes: 0 });

    // Finishing messages makes room; the held one moves in, and the source stays paused until the queue is
    // down to half its size.
    let maxHeld = 0;
    let maxQueued = 0;
    while (got.length < SIZE / 2 + 1) {
      held.shift()!();
      await turn();
      maxHeld = Math.max(maxHeld, stat("src").held ?? 0);
      maxQueued = Math.max(maxQueued, stat("sink").queued);
      if (stat("sink").queued > SIZE / 2) expect(politeLog.resumes).toBe(0);
    }

    // Then it runs to the end, pausing and resuming as the queue fills and drains.
    for (const end = Date.now() + 5_000; politeLog.outcomes.size < COUNT && Date.now() < end; ) {
      held.shift()?.();
      await turn();
      maxHeld = Math.max(maxHeld, stat("src").held ?? 0);
      maxQueued = Math.max(maxQueued, stat("sink").queued);
    }
    await politeDone;
    expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect([...politeLog.outcomes.values()].every((o) => o === "ack")).toBe(true);
    expect(politeLog.outcomes.size).toBe(COUNT);
    expect(politeLog.sent).toBe(COUNT);
    expect(politeLog.pauses).toBeGreaterThan(1);
    expect(politeLog.resumes).toBe(politeLog.pauses);
    // What waited was never more than one message, and the queue never grew past its size.
    expect(maxHeld).toBeLessThanOrEqual(1);
    expect(maxQueued).toBeLessThanOrEqual(SIZE);
    expect(stat("sink").dropped).toBe(0);
  });
});
