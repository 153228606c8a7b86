import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, until, type TestFlow } from "@wattflow/runtime/testing";
import fn from "./index.js";
import catchNode from "../catch/index.js";
import inject from "../inject/index.js";
import httpIn from "../http/http-in.js";
import httpResponse from "../http/http-response.js";

/**
 * `isolation: "worker"`: the code runs in a worker thread. What it can do
 * there matches the in-process node; what goes wrong there (a loop after an
 * await, memory without end, a throw outside the promise) fails the message
 * to `catch`, restarts the worker, and never stalls the runtime.
 */
let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const errorOf = (m: { error?: unknown } | undefined) => (m?.error as { message: string; name?: string } | undefined)?.message ?? "";

/** The function under test, a catch, and a source ticking every 20 ms, stamped on arrival, to show the event loop stays free. */
function isolatedFlow(code: string, config: Record<string, unknown> = {}, outputs = 1) {
  return {
    env: { SCALE: "3" },
    nodes: [
      { id: "f", type: "function", config: { code, outputs, isolation: "worker", ...config }, wires: outputs === 2 ? [["a"], ["b"]] : [["a"]] },
      { id: "a", type: "test-collect" },
      { id: "b", type: "test-collect" },
      { id: "c", type: "catch", wires: [["caught"]] },
      { id: "caught", type: "test-collect" },
      { id: "tick", type: "inject", config: { interval: "20ms", payload: "tick" }, wires: [["stamp"]] },
      { id: "stamp", type: "function", config: { code: "return { ...msg, at: Date.now() };", timeout: "0s" }, wires: [["ticks"]] },
      { id: "ticks", type: "test-collect" },
      { id: "ping", type: "http-in", config: { method: "GET", path: "/ping" }, wires: [["pong"]] },
      { id: "pong", type: "http-response" },
    ],
  };
}

/** The longest wait between two ticks from `from` on: what the rest of the runtime felt. */
function longestTickGap(t: TestFlow, from: number): number {
  const times = t.received("ticks").slice(from).map((m) => m.at as number);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

describe("function with isolation worker", () => {
  it("does what the in-process node does: context, env, several outputs, awaited node.send, status", async () => {
    const code = [
      "const n = (context.get('n') ?? 0) + 1;",
      "context.set('n', n);",
      "flow.set('last', msg.payload);",
      "global.set('seen', (global.get('seen') ?? 0) + 1);",
      "await node.send({ ...msg, payload: 'early ' + n });",
      "node.status({ fill: 'green', text: 'n=' + n });",
      "await new Promise((r) => setTimeout(r, 5));",
      "return [{ ...msg, payload: msg.payload * Number(env('SCALE')), n, last: flow.get('last'), keys: context.keys(), buf: Buffer.isBuffer(Buffer.from('x')) }, node.newMessage({ payload: 'second' })];",
    ].join("\n");
    t = await startTestFlow(isolatedFlow(code, {}, 2), { nodes: [fn, catchNode, inject, httpIn, httpResponse] });
    t.inject("f", { payload: 7 });
    await t.waitFor("a", 2);
    t.inject("f", { payload: 8 });
    const a = await t.waitFor("a", 4);
    expect(a.map((m) => m.payload)).toEqual(["early 1", 21, "early 2", 24]);
    expect(a[3]).toMatchObject({ n: 2, last: 8, keys: ["n"], buf: true });
    const b = await t.waitFor("b", 2);
    expect(b.map((m) => m.payload)).toEqual(["second", "second"]);
    expect(typeof b[0]!._msgid).toBe("string");
    expect(b[0]!._msgid).not.toBe(b[1]!._msgid);
    await until(() => t!.events.some((e) => e.type === "status" && e.nodeId === "f" && (e.status as { text?: string }).text === "n=2"), 2000, "status n=2");
    expect(t.received("caught")).toEqual([]);
  });

  it("a thrown error and a write to the frozen input reach catch with the message", async () => {
    t = await startTestFlow(isolatedFlow("if (msg.payload === 'mutate') msg.payload = 2;\nthrow new TypeError('bad reading ' + msg.payload);"), {
      nodes: [fn, catchNode, inject, httpIn, httpResponse],
    });
    t.inject("f", { payload: 42 });
    t.inject("f", { payload: "mutate" });
    const caught = await t.waitFor("caught", 2);
    const byPayload = new Map(caught.map((m) => [m.payload, m]));
    expect(errorOf(byPayload.get(42))).toBe("bad reading 42");
    expect(byPayload.get(42)!.error).toMatchObject({ source: { id: "f", type: "function" } });
    expect(errorOf(byPayload.get("mutate"))).toMatch(/read only|read-only/);
  });

  it("a loop after an await, which no in-process limit stops, fails at its limit while other flows keep running", async () => {
    t = await startTestFlow(isolatedFlow("if (msg.payload === 'spin') { await null; while (true) {} }\nreturn msg;", { timeout: "200ms" }), {
      nodes: [fn, catchNode, inject, httpIn, httpResponse],
    });
    await t.waitFor("ticks", 2);
    const from = t.received("ticks").length;
    const began = Date.now();
    t.inject("f", { payload: "spin" });
    // An HTTP endpoint answers while the worker spins.
    await new Promise((r) => setTimeout(r, 50));
    const asked = Date.now();
    expect((await t.request("GET", "/ping")).status).toBe(200);
    expect(Date.now() - asked).toBeLessThan(200);
    expect(t.received("caught")).toEqual([]);
    const [caught] = await t.waitFor("caught", 1, 5000);
    const took = Date.now() - began;
    expect(took).toBeGreaterThanOrEqual(200);
    expect(took).toBeLessThan(1500);
    expect(errorOf(caught)).toMatch(/^the code ran longer than its 200 ms limit \(config "timeout"\) without yielding, so its worker was stopped/);
    expect(caught!.payload).toBe("spin");
    // The runtime's loop never waited on the spinning worker: ticks kept their pace throughout.
    expect(t.received("ticks").length - from).toBeGreaterThanOrEqual(5);
    expect(longestTickGap(t, from)).toBeLessThan(250);
    // A new worker takes the next message.
    t.inject("f", { payload: "after" });
    expect((await t.waitFor("a", 1, 5000))[0]!.payload).toBe("after");
    expect(t.events.some((e) => e.type === "status" && e.nodeId === "f" && (e.status as { text?: string }).text === "worker restarted: ran too long")).toBe(true);
  });

  it("code that runs out of memory fails its message, the runtime stays up, and the next message works", async () => {
    const code = "if (msg.payload === 'hog') { const kept = []; for (;;) kept.push(new Array(100000).fill(kept.length)); }\nreturn msg;";
    t = await startTestFlow(isolatedFlow(code, { memoryMb: 16, timeout: "10s" }), { nodes: [fn, catchNode, inject, httpIn, httpResponse] });
    await t.waitFor("ticks", 2);
    const from = t.received("ticks").length;
    const queued = t.injectTracked("f", { payload: "hog" });
    const [caught] = await t.waitFor("caught", 1, 8000);
    expect(errorOf(caught)).toMatch(/^the code ran out of its 16 MB of memory \(config "memoryMb"\), so its worker was stopped/);
    expect(await queued).toMatchObject({ outcome: "nack" });
    expect(longestTickGap(t, from)).toBeLessThan(250);
    t.inject("f", { payload: "after" });
    expect((await t.waitFor("a", 1, 5000))[0]!.payload).toBe("after");
  });

  it("a throw outside the message's promise stops the worker: the messages in it fail, none is lost", async () => {
    const code = "if (msg.payload === 'boom') setTimeout(() => { throw new Error('late boom'); }, 0);\nawait new Promise((r) => setTimeout(r, 100));\nreturn msg;";
    t = await startTestFlow(isolatedFlow(code), { nodes: [fn, catchNode, inject, httpIn, httpResponse] });
    t.inject("f", { payload: "boom" });
    t.inject("f", { payload: "bystander" });
    const caught = await t.waitFor("caught", 2, 5000);
    expect(caught.map((m) => m.payload).sort()).toEqual(["boom", "bystander"]);
    for (const m of caught) expect(errorOf(m)).toMatch(/^the code threw outside any message \(late boom\), which stopped its worker; the message was in it/);
    t.inject("f", { payload: "after" });
    expect((await t.waitFor("a", 1, 5000))[0]!.payload).toBe("after");
  });

  it("a message whose promise never settles fails after messageTimeout; the worker goes on", async () => {
    t = await startTestFlow(isolatedFlow("if (msg.payload === 'hang') return new Promise(() => {});\nreturn msg;", { messageTimeout: "150ms" }), {
      nodes: [fn, catchNode, inject, httpIn, httpResponse],
    });
    // The clock runs from arrival, a worker still starting included: time it once the worker answers.
    t.inject("f", { payload: "warm" });
    await t.waitFor("a", 1, 5000);
    const began = Date.now();
    const completion = t.injectTracked("f", { payload: "hang" });
    t.inject("f", { payload: "fine" });
    expect((await t.waitFor("a", 2))[1]!.payload).toBe("fine");
    expect(await completion).toMatchObject({ outcome: "nack", error: { message: expect.stringMatching(/^the message was not handled within 150ms/) } });
    expect(Date.now() - began).toBeGreaterThanOrEqual(150);
    // Nothing stopped the worker: it was never stuck.
    t.inject("f", { payload: "again" });
    expect((await t.waitFor("a", 3))[2]!.payload).toBe("again");
    expect(t.events.some((e) => e.type === "status" && e.nodeId === "f" && /worker restarted/.test((e.status as { text?: string }).text ?? ""))).toBe(false);
  });

  it("a redeploy with new code stops the old worker and the new code answers", async () => {
    t = await startTestFlow(isolatedFlow("return { ...msg, payload: 'old' };"), { nodes: [fn, catchNode, inject, httpIn, httpResponse] });
    t.inject("f", { payload: 1 });
    expect((await t.waitFor("a", 1, 5000))[0]!.payload).toBe("old");
    await t.redeploy(isolatedFlow("return { ...msg, payload: 'new' };"));
    t.inject("f", { payload: 2 });
    expect((await t.waitFor("a", 2, 5000))[1]!.payload).toBe("new");
    expect(t.received("caught")).toEqual([]);
  });

  it("a message that cannot be copied into the worker fails with a clear error", async () => {
    t = await startTestFlow(isolatedFlow("return msg;"), { nodes: [fn, catchNode, inject, httpIn, httpResponse] });
    t.inject("f", { payload: 1, callback: () => 1 });
    expect(errorOf((await t.waitFor("caught", 1))[0])).toMatch(/test\/f: the message cannot be copied into the worker/);
  });
});
