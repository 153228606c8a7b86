import { afterEach, describe, expect, it } from "vitest";
import { Type } from "@sinclair/typebox";
import { defineNode } from "../registry/define.js";
import { startTestFlow, type TestFlow } from "../testing/index.js";
import type { Message } from "./message.js";
import { listenerNode } from "./__fixtures__/listener.js";

/**
 * A synchronous node (`transform`): payload + 1, or a throw on payload `fail`; `split` sends
 * [[msg, msg + 10], msg + 100] over its two ports; `drop` sends nothing.
 */
const step = defineNode({
  type: "step",
  category: "test",
  summary: "payload + 1 as a transform",
  config: Type.Object({ fail: Type.Number({ default: -1 }) }),
  inputs: 1,
  outputs: ["out", "side"],
  create(_node, config) {
    return {
      transform(msg: Message) {
        const n = msg.payload as number;
        if (n === config.fail) throw new Error(`step refuses ${n}`);
        if (msg.topic === "drop") return null;
        if (msg.topic === "split") return [[{ ...msg, payload: n }, { ...msg, payload: n + 10 }], { ...msg, payload: n + 100 }];
        return { ...msg, payload: n + 1 };
      },
    };
  },
});

/** Holds each message until released, then sends it on: a slow consumer downstream. */
const held: (() => void)[] = [];
const gate = defineNode({
  type: "gate",
  category: "test",
  summary: "sends each message on only when released",
  config: Type.Object({}),
  inputs: 1,
  outputs: ["out"],
  create() {
    return {
      input(msg, send, done) {
        held.push(() => {
          send(msg);
          done();
        });
      },
    };
  },
});

const forward = listenerNode("forward", "errors");
const completeWatch = listenerNode("complete-watch", "complete");

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
  held.length = 0;
});

describe("transform nodes", () => {
  it("send what they return, in order, over every port; null sends nothing", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "s", type: "step", wires: [["a"], ["b"]] },
          { id: "a", type: "test-collect" },
          { id: "b", type: "test-collect" },
        ],
      },
      { nodes: [step] },
    );
    for (let i = 0; i < 50; i++) t.inject("s", { payload: i });
    t.inject("s", { payload: 0, topic: "drop" });
    t.inject("s", { payload: 7, topic: "split" });
    const a = await t.waitFor("a", 52);
    expect(a.map((m) => m.payload)).toEqual([...Array.from({ length: 50 }, (_, i) => i + 1), 7, 17]);
    expect((await t.waitFor("b", 1)).map((m) => m.payload)).toEqual([107]);
    const stats = t.engine.stats().find((s) => s.nodeId === "s")!;
    expect(stats.received).toBe(52);
    expect(stats.sent).toEqual([52, 1]);
  });

  it("ack a tracked message only after everything downstream finished, and nack a throw", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "s", type: "step", config: { fail: 5 }, wires: [["g"]] },
          { id: "g", type: "gate", wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: [step, gate] },
    );
    let settled = false;
    const ack = t.injectTracked("s", { payload: 1 }).then((c) => {
      settled = true;
      return c;
    });
    const end = Date.now() + 5_000;
    while (held.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 1));
    expect(settled).toBe(false); // the gate still holds what the step sent
    held[0]!();
    expect(await ack).toEqual({ outcome: "ack" });
    expect((await t.waitFor("out", 1))[0]!.payload).toBe(2);

    const nack = await t.injectTracked("s", { payload: 5 });
    expect(nack.outcome).toBe("nack");
    expect(nack.outcome === "nack" && nack.error.message).toBe("step refuses 5");
  });

  it("route a throw to catch nodes with the input message, and report finished messages to complete nodes", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "s", type: "step", config: { fail: 3 }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
          { id: "c", type: "forward", wires: [["caught"]] },
          { id: "caught", type: "test-collect" },
          { id: "w", type: "complete-watch", config: { scope: ["s"] }, wires: [["finished"]] },
          { id: "finished", type: "test-collect" },
        ],
      },
      { nodes: [step, forward, completeWatch] },
    );
    t.inject("s", { payload: 3 });
    t.inject("s", { payload: 4 });
    const [caught] = await t.waitFor("caught", 1);
    expect(caught!.payload).toBe(3);
    expect((caught!.error as { message: string; source: { id: string } }).message).toBe("step refuses 3");
    expect((caught!.error as { source: { id: string } }).source.id).toBe("s");
    expect((await t.waitFor("out", 1)).map((m) => m.payload)).toEqual([5]);
    // The complete node hears the input the step finished without error, not the one it failed on.
    expect((await t.waitFor("finished", 1)).map((m) => m.payload)).toEqual([4]);
    expect(t.engine.stats().find((s) => s.nodeId === "s")!.errors).toBe(1);
  });
});
