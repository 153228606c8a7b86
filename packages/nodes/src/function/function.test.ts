import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, until, type TestFlow } from "@wattflow/runtime/testing";
import fn from "./index.js";
import catchNode from "../catch/index.js";
import inject from "../inject/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const flow = (code: string, outputs = 1, limits: { timeout?: string; messageTimeout?: string } = {}) => ({
  env: { SCALE: "3" },
  nodes: [
    { id: "f", type: "function", config: { code, outputs, ...limits }, wires: outputs === 2 ? [["a"], ["b"]] : [["a"]] },
    { id: "a", type: "test-collect" },
    { id: "b", type: "test-collect" },
    { id: "c", type: "catch", wires: [["caught"]] },
    { id: "caught", type: "test-collect" },
  ],
});

describe("function", () => {
  it("returns a new message computed from the input and the environment", async () => {
    t = await startTestFlow(flow("return { ...msg, payload: msg.payload * Number(env('SCALE')) };"), { nodes: [fn, catchNode] });
    t.inject("f", { payload: 7 });
    expect((await t.waitFor("a", 1))[0]!.payload).toBe(21);
  });

  it("routes by returning one entry per output port, and may await", async () => {
    t = await startTestFlow(
      flow("await new Promise(r => setTimeout(r, 5)); return msg.payload > 0 ? [msg, null] : [null, msg];", 2),
      { nodes: [fn, catchNode] },
    );
    t.inject("f", { payload: 1 });
    t.inject("f", { payload: -1 });
    expect((await t.waitFor("a", 1))[0]!.payload).toBe(1);
    expect((await t.waitFor("b", 1))[0]!.payload).toBe(-1);
  });

  it("a function that mutates its frozen input fails loudly and the error reaches catch", async () => {
    t = await startTestFlow(flow("msg.payload = 2; return msg;"), { nodes: [fn, catchNode] });
    t.inject("f", { payload: 1 });
    const [caught] = await t.waitFor("caught", 1);
    expect(caught!.error).toMatchObject({ source: { id: "f", type: "function" } });
    expect((caught!.error as { message: string }).message).toMatch(/read only|read-only/);
  });

  it("a thrown error reaches catch with the message", async () => {
    t = await startTestFlow(flow("throw new Error('bad reading ' + msg.payload);"), { nodes: [fn, catchNode] });
    t.inject("f", { payload: 42 });
    const [caught] = await t.waitFor("caught", 1);
    expect((caught!.error as { message: string }).message).toBe("bad reading 42");
    expect(caught!.payload).toBe(42);
  });

  it("a syntax error stops the node from starting and names the line", async () => {
    t = await startTestFlow(flow("const a = 1;\nreturn msg +;"), { nodes: [fn, catchNode] });
    const status = t.events.find((e) => e.type === "status" && e.nodeId === "f");
    expect(status).toMatchObject({ status: { fill: "red", text: expect.stringMatching(/syntax error in code near line 2/) } });
  });

  it("code that never yields is stopped at its time limit, and other messages keep flowing", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "f", type: "function", config: { code: "if (msg.payload === 'spin') while (true) {}\nreturn msg;", timeout: "100ms" }, wires: [["a"]] },
          { id: "a", type: "test-collect" },
          { id: "c", type: "catch", wires: [["caught"]] },
          { id: "caught", type: "test-collect" },
          { id: "tick", type: "inject", config: { interval: "20ms", payload: "tick" }, wires: [["ticks"]] },
          { id: "ticks", type: "test-collect" },
        ],
      },
      { nodes: [fn, catchNode, inject] },
    );
    await t.waitFor("ticks", 1);
    const began = Date.now();
    t.inject("f", { payload: "spin" });
    t.inject("f", { payload: "after" });
    const [caught] = await t.waitFor("caught", 1);
    expect(Date.now() - began).toBeGreaterThanOrEqual(100);
    expect((caught!.error as { message: string }).message).toMatch(/^the code ran longer than its 100 ms limit \(config "timeout"\)/);
    expect(caught!.payload).toBe("spin");
    expect((await t.waitFor("a", 1))[0]!.payload).toBe("after");
    const ticks = t.received("ticks").length;
    await t.waitFor("ticks", ticks + 2, 500);
  });

  it("a message whose promise never settles fails after messageTimeout; the node goes on", async () => {
    t = await startTestFlow(flow("if (msg.payload === 'hang') return new Promise(() => {});\nreturn msg;", 1, { messageTimeout: "150ms" }), {
      nodes: [fn, catchNode],
    });
    const began = Date.now();
    const completion = t.injectTracked("f", { payload: "hang" });
    t.inject("f", { payload: "fine" });
    expect((await t.waitFor("a", 1))[0]!.payload).toBe("fine");
    const outcome = await completion;
    expect(Date.now() - began).toBeGreaterThanOrEqual(150);
    expect(outcome).toMatchObject({ outcome: "nack", error: { message: expect.stringMatching(/^the message was not handled within 150ms \(config "messageTimeout"\)/) } });
    expect((await t.waitFor("caught", 1))[0]!.payload).toBe("hang");
  });

  it("function nodes that send to each other forever still let timers run between laps", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "ping", type: "function", config: { code: "return { ...msg, payload: msg.payload + 1 };" }, wires: [["pong"]] },
          { id: "pong", type: "function", config: { code: "return msg;" }, wires: [["ping"]] },
        ],
      },
      { nodes: [fn] },
    );
    t.inject("ping", { payload: 0 });
    const laps = () => t!.engine.stats().find((s) => s.nodeId === "ping")!.received;
    // Polling with a timer is the point: it would never fire while the loop held the event loop.
    while (laps() < 20) await new Promise((r) => setTimeout(r, 5));
    // Timers keep firing between laps and the loop goes on meanwhile (no wall-clock bound: that is the bench's job).
    const seen = laps();
    await until(() => laps() > seen, 5000, "the loop goes on");
  });
});
