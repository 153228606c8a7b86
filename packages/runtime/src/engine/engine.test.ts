import { describe, expect, it, afterEach } from "vitest";
import { Type } from "@sinclair/typebox";
import { Connection, defineConnection, defineNode } from "../registry/define.js";
import { startTestFlow, type TestFlow } from "../testing/index.js";
import type { Message } from "./message.js";
import { listenerNode } from "./__fixtures__/listener.js";

/** Polls `check` until it holds; fails after `ms` (a wait on an outcome, never a fixed sleep). */
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Adds `by` to payload and sends a new message. */
const add = defineNode({
  type: "add",
  category: "test",
  summary: "payload + by",
  config: Type.Object({ by: Type.Number({ default: 1 }) }),
  inputs: 1,
  outputs: ["out"],
  create(_node, config) {
    return {
      input(msg, send, done) {
        send({ ...msg, payload: (msg.payload as number) + config.by });
        done();
      },
    };
  },
});

/** Mutates its input: must fail loudly when messages are frozen. */
const mutator = defineNode({
  type: "mutator",
  category: "test",
  summary: "mutates msg.payload in place",
  config: Type.Object({}),
  inputs: 1,
  outputs: ["out"],
  create() {
    return {
      input(msg, send, done) {
        (msg.payload as { n: number }).n = 2;
        send(msg);
        done();
      },
    };
  },
});

const thrower = defineNode({
  type: "thrower",
  category: "test",
  summary: "throws on every message",
  config: Type.Object({ async: Type.Boolean({ default: false }) }),
  inputs: 1,
  outputs: ["out"],
  create(_node, config) {
    return {
      input(msg) {
        if (config.async) return Promise.reject(new Error(`boom ${String(msg.payload)}`));
        throw new Error(`boom ${String(msg.payload)}`);
      },
    };
  },
});

/** Holds messages until released: a slow consumer. */
const gates: { release: () => void }[] = [];
const gate = defineNode({
  type: "gate",
  category: "test",
  summary: "completes each message only when released",
  config: Type.Object({}),
  concurrency: 1,
  inputs: 1,
  outputs: ["out"],
  create() {
    return {
      input(msg, send, done) {
        gates.push({
          release: () => {
            send(msg);
            done();
          },
        });
      },
    };
  },
});

/** Counts messages in node context and reports the count as status; remembers its instance id. */
let instances = 0;
const counter = defineNode({
  type: "counter",
  category: "test",
  summary: "counts",
  config: Type.Object({ label: Type.String({ default: "" }) }),
  inputs: 1,
  outputs: ["out"],
  create(node) {
    const instance = ++instances;
    let seen = 0;
    return {
      input(msg, send, done) {
        seen += 1;
        node.status({ fill: "green", text: `${seen}` });
        send({ ...msg, instance, seen });
        done();
      },
    };
  },
});

const ticker = defineNode({
  type: "ticker",
  category: "test",
  summary: "sends every 10 ms",
  config: Type.Object({}),
  inputs: 0,
  outputs: ["out"],
  create(node) {
    let n = 0;
    return {
      start() {
        node.timers.setInterval(() => node.send(node.newMessage({ payload: ++n })), 10);
      },
    };
  },
});

const forward = listenerNode("forward", "errors");
const statusWatch = listenerNode("status-watch", "status");

const all = [add, mutator, thrower, gate, counter, ticker, forward, statusWatch];
let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
  gates.length = 0;
});

describe("delivery", () => {
  it("delivers in order along a chain and each node sends a new object", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "a", type: "add", config: { by: 1 }, wires: [["b"]] },
          { id: "b", type: "add", config: { by: 10 }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    for (let i = 0; i < 1000; i++) t.inject("a", { payload: i });
    const got = await t.waitFor("out", 1000);
    expect(got.map((m) => m.payload)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 11));
  });

  it("fan-out shares one message object without cloning", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "src", type: "add", config: { by: 0 }, wires: [["x", "y"]] },
          { id: "x", type: "test-collect" },
          { id: "y", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    t.inject("src", { payload: { deep: [1, 2] } });
    const [x] = await t.waitFor("x", 1);
    const [y] = await t.waitFor("y", 1);
    expect(x).toBe(y);
    expect(Object.isFrozen(x)).toBe(true);
    expect(Object.isFrozen((x!.payload as { deep: number[] }).deep)).toBe(true);
  });

  it("a node that mutates its frozen input fails loudly, reaches catch, and the flow keeps running", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "m", type: "mutator", wires: [["out"]] },
          { id: "c", type: "forward", wires: [["caught"]] },
          { id: "caught", type: "test-collect" },
          { id: "ok", type: "add", wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    t.inject("m", { payload: { n: 1 } });
    const [err] = await t.waitFor("caught", 1);
    expect((err!.error as { message: string; source: { id: string } }).source.id).toBe("m");
    expect((err!.error as { message: string }).message).toMatch(/read.only|frozen|Cannot assign/i);
    t.inject("ok", { payload: 1 });
    const [after] = await t.waitFor("out", 1);
    expect(after!.payload).toBe(2);
    const stats = t.engine.stats().find((s) => s.nodeId === "m")!;
    expect(stats.errors).toBe(1);
    expect(t.events.some((e) => e.type === "error" && e.nodeId === "m")).toBe(true);
  });

  it("sync and async throws become errors with the message, never a crash", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "s", type: "thrower", config: { async: false } },
          { id: "a", type: "thrower", config: { async: true } },
          { id: "c", type: "forward", wires: [["caught"]] },
          { id: "caught", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    t.inject("s", { payload: "one" });
    t.inject("a", { payload: "two" });
    const caught = await t.waitFor("caught", 2);
    const messages = caught.map((m) => (m.error as { message: string }).message).sort();
    expect(messages).toEqual(["boom one", "boom two"]);
    expect(caught.find((m) => m.payload === "one")).toBeDefined();
  });

  it("catch scope limits which nodes it hears", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "s", type: "thrower" },
          { id: "s2", type: "thrower" },
          { id: "c", type: "forward", config: { scope: ["s2"] }, wires: [["caught"]] },
          { id: "caught", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    // s fails first: had its error been heard, it would reach `caught` before s2's.
    t.inject("s", { payload: 1 });
    t.inject("s2", { payload: 2 });
    const caught = await t.waitFor("caught", 1);
    expect(caught.map((m) => m.payload)).toEqual([2]);
  });

  it("status nodes see status changes, and statuses are listed", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "k", type: "counter" },
          { id: "w", type: "status-watch", wires: [["seen"]] },
          { id: "seen", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    t.inject("k", { payload: 1 });
    const [s] = await t.waitFor("seen", 1);
    expect(s!.status).toEqual({ fill: "green", text: "1", source: { id: "k", type: "counter", name: undefined } });
    expect(t.engine.statuses()).toContainEqual({ flowId: "test", nodeId: "k", status: { fill: "green", text: "1" } });
  });
});

describe("completion tracking", () => {
  it("acks when a message and everything derived from it was handled", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "a", type: "add", wires: [["g", "out"]] },
          { id: "g", type: "gate", wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    let settled = false;
    const completion = t.injectTracked("a", { payload: 1 }).then((c) => {
      settled = true;
      return c;
    });
    await t.waitFor("out", 1);
    // Everything but the gate's message is done once the engine has nothing queued and the gate holds it.
    await until(() => gates.length === 1 && t!.engine.stats().every((s) => s.queued === 0));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false); // the gate still holds a derived message
    gates[0]!.release();
    expect(await completion).toEqual({ outcome: "ack" });
    expect(t.received("out")).toHaveLength(2);
  });

  it("nacks when any derived message fails", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "a", type: "add", wires: [["bad", "out"]] },
          { id: "bad", type: "thrower" },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    const completion = await t.injectTracked("a", { payload: 1 });
    expect(completion.outcome).toBe("nack");
    expect(completion.outcome === "nack" && completion.error.message).toBe("boom 2");
  });
});

describe("backpressure", () => {
  const flowWith = (policy: string) => ({
    nodes: [
      { id: "src", type: "add", config: { by: 0 }, wires: [["g"]] },
      { id: "g", type: "gate", queue: { size: 5, policy: policy as "block" }, wires: [["out"]] },
      { id: "out", type: "test-collect" },
    ],
  });

  it("drop-newest keeps the first messages and counts the drops", async () => {
    t = await startTestFlow(flowWith("drop-newest"), { nodes: all });
    let settled = 0;
    const outcomes = Array.from({ length: 20 }, (_, i) => t!.injectTracked("src", { payload: i }).finally(() => (settled += 1)));
    // one message is in the gate's hands, 5 wait in its queue; the gate is opened until every message completed
    await until(() => {
      while (gates.length) gates.shift()!.release();
      return settled === 20;
    });
    const results = await Promise.all(outcomes);
    const stats = t.engine.stats().find((s) => s.nodeId === "g")!;
    expect(stats.dropped).toBeGreaterThan(0);
    expect(results.filter((r) => r.outcome === "nack")).toHaveLength(stats.dropped);
    const delivered = t.received("out").map((m) => m.payload as number);
    expect(delivered).toEqual([...delivered].sort((a, b) => a - b));
    expect(delivered[0]).toBe(0);
  });

  it("drop-oldest keeps the newest messages", async () => {
    t = await startTestFlow(flowWith("drop-oldest"), { nodes: all });
    for (let i = 0; i < 20; i++) t.inject("src", { payload: i });
    const g = () => t!.engine.stats().find((s) => s.nodeId === "g")!;
    // Opened until every message was either delivered or dropped.
    await until(() => {
      while (gates.length) gates.shift()!.release();
      return t!.received("out").length + g().dropped === 20;
    });
    const delivered = t.received("out").map((m) => m.payload as number);
    expect(delivered).toContain(19);
    expect(t.engine.stats().find((s) => s.nodeId === "g")!.dropped).toBeGreaterThan(0);
  });

  it("block holds a source that ignores the signal: its queue stays at its size, nothing is dropped, all arrive in order", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "tick", type: "ticker", wires: [["g"]] },
          { id: "g", type: "gate", queue: { size: 3, policy: "block" }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    // The gate holds its first message: 3 more fill its queue, the ticker's further sends wait in its outbox.
    const stat = (id: string) => t!.engine.stats().find((s) => s.nodeId === id)!;
    await until(() => stat("tick").held > 3);
    expect(stat("g").queued).toBe(3);
    expect(stat("tick").held).toBeGreaterThan(3);
    expect(stat("g").dropped).toBe(0);
    // Opening the gate lets everything through, held messages included, in the order they were sent.
    await until(() => {
      while (gates.length) gates.shift()!.release();
      return t!.received("out").length >= 12;
    });
    const delivered = t.received("out").map((m) => m.payload as number);
    expect(delivered.length).toBeGreaterThanOrEqual(12);
    expect(delivered).toEqual(delivered.map((_, i) => i + 1));
    expect(stat("g").queued).toBeLessThanOrEqual(3);
  });
});

describe("deploy", () => {
  it("a wiring-only change rewires without restarting; a config change restarts only that node", async () => {
    instances = 0;
    const base = {
      nodes: [
        { id: "k1", type: "counter", config: { label: "one" }, wires: [["out"]] },
        { id: "k2", type: "counter", config: { label: "two" }, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "other", type: "test-collect" },
      ],
    };
    t = await startTestFlow(base, { nodes: all });
    t.inject("k1", { payload: 1 });
    t.inject("k2", { payload: 1 });
    await t.waitFor("out", 2);

    const rewired = await t.redeploy({
      nodes: [
        { id: "k1", type: "counter", config: { label: "one" }, wires: [["other"]] },
        { id: "k2", type: "counter", config: { label: "changed" }, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "other", type: "test-collect" },
      ],
    });
    expect(rewired.changed).toEqual(["k2"]);
    expect(rewired.rewired).toEqual(["k1"]);
    t.inject("k1", { payload: 2 });
    t.inject("k2", { payload: 2 });
    const [k1] = await t.waitFor("other", 1);
    // k1 kept its instance and its in-memory count
    expect(k1).toMatchObject({ instance: 1, seen: 2 });
    const k2 = (await t.waitFor("out", 3))[2]!;
    expect(k2).toMatchObject({ instance: 3, seen: 1 });
  });

  it("timers owned by a removed node stop", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "tick", type: "ticker", wires: [["out"]] },
          { id: "out", type: "test-collect" },
          { id: "clock", type: "ticker", wires: [["beats"]] },
          { id: "beats", type: "test-collect" },
        ],
      },
      { nodes: all },
    );
    await t.waitFor("out", 3);
    await t.redeploy({ nodes: [{ id: "out", type: "test-collect" }, { id: "clock", type: "ticker", wires: [["beats"]] }, { id: "beats", type: "test-collect" }] });
    const count = t.received("out").length;
    // A ticker that stays is the clock: five of its beats are five chances for the removed one to have sent.
    const beats = t.received("beats").length;
    await t.waitFor("beats", beats + 5);
    // At most the one message that was already on its way to `out` when the redeploy began.
    expect(t.received("out").length).toBeLessThanOrEqual(count + 1);
  });
});

describe("connections", () => {
  it("are told they are ready after their flow's nodes started, and again when a redeploy reopens them", async () => {
    const log: string[] = [];
    const feed = defineConnection({
      type: "feed",
      summary: "records when it opens and is ready",
      config: Type.Object({ v: Type.Number() }),
      create: (_h, c) => {
        log.push(`open ${c.v}`);
        return { value: null, ready: () => void log.push(`ready ${c.v}`) };
      },
    });
    const listener = defineNode({
      type: "listener",
      category: "test",
      summary: "records its start",
      config: Type.Object({ conn: Connection("feed") }),
      inputs: 0,
      outputs: [],
      create: () => ({ start: async () => void log.push("node started") }),
    });
    const flow = (v: number) => ({ connections: [{ id: "f", type: "feed", config: { v } }], nodes: [{ id: "l", type: "listener", config: { conn: "f" } }] });
    t = await startTestFlow(flow(1), { nodes: [listener], connections: [feed] });
    expect(log).toEqual(["open 1", "node started", "ready 1"]);
    await t.redeploy(flow(2));
    expect(log.slice(3)).toEqual(["open 2", "node started", "ready 2"]);
  });
});

export type { Message };
