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
