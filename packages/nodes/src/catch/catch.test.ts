import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow, until } from "@wattflow/runtime/testing";
import type { FlowNode, RuntimeEvent } from "@wattflow/runtime";
import fn from "../function/index.js";
import catchNode from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const fails = (id: string, wires: string[][] = []): FlowNode => ({ id, type: "function", config: { code: `throw new Error("${id} failed on " + msg.payload);` }, wires });
const errorsOf = (events: RuntimeEvent[], nodeId: string) => events.filter((e) => e.type === "error" && e.nodeId === nodeId);
const stopped = (events: RuntimeEvent[]) => events.find((e) => e.type === "error" && /error loop stopped/.test(e.message));
const stops = (events: RuntimeEvent[]) => events.filter((e) => e.type === "error" && /error loop stopped/.test(e.message)).length;

describe("catch", () => {
  it("hears a node's error with msg.error naming the source", async () => {
    t = await startTestFlow(
      { nodes: [fails("f"), { id: "c", type: "catch", wires: [["caught"]] }, { id: "caught", type: "test-collect" }] },
      { nodes: [fn, catchNode] },
    );
    t.inject("f", { payload: 3 });
    const [caught] = await t.waitFor("caught", 1);
    expect(caught!.error).toEqual({ message: "f failed on 3", name: "Error", source: { id: "f", type: "function", name: undefined } });
  });

  it("a handler that throws again ends after 10 errors in the chain, and the runtime goes on", async () => {
    t = await startTestFlow(
      { nodes: [fails("f"), { id: "c", type: "catch", wires: [["again"]] }, fails("again"), { id: "alive", type: "test-collect" }] },
      { nodes: [fn, catchNode] },
    );
    t.inject("f", { payload: 1 });
    await until(() => stopped(t!.events) !== undefined);
    expect(stopped(t.events)).toMatchObject({ flowId: "test", nodeId: "again" });
    expect(stopped(t.events)).toHaveProperty("message", expect.stringMatching(/after 10 errors in a chain: test\/f → test\/again → test\/again → … → test\/again/));
    // The runtime goes on: a new message is handled, and a second chain runs and ends the same way. The first
    // chain added nothing meanwhile: had it gone on, its errors would interleave with the second chain's.
    await expect(t.injectTracked("alive", { payload: "still here" })).resolves.toEqual({ outcome: "ack" });
    t.inject("f", { payload: 2 });
    await until(() => stops(t!.events) === 2, 5_000, "the second chain to be stopped");
    // Per chain: f's first error, then 9 more links; the 10th error of `again` is the one that was not routed.
    expect(t.engine.stats().find((s) => s.nodeId === "again")!.errors).toBe(20);
    expect(t.engine.statuses()).toContainEqual({ flowId: "test", nodeId: "again", status: { fill: "red", shape: "dot", text: "error loop stopped" } });
  });

  it("a loop through several nodes (catch → A → B throws) ends the same way", async () => {
    t = await startTestFlow(
      {
        nodes: [
          fails("f"),
          { id: "c", type: "catch", wires: [["a"]] },
          { id: "a", type: "function", config: { code: "return { ...msg, payload: msg.payload + 1 };" }, wires: [["b"]] },
          fails("b"),
        ],
      },
      { nodes: [fn, catchNode] },
    );
    t.inject("f", { payload: 0 });
    await until(() => stopped(t!.events) !== undefined);
    expect(stopped(t.events)).toMatchObject({ nodeId: "b" });
    // A second chain ends the same way; the first added nothing while it ran (it would interleave with it).
    t.inject("f", { payload: 100 });
    await until(() => stops(t!.events) === 2, 5_000, "the second chain to be stopped");
    expect(t.engine.stats().find((s) => s.nodeId === "b")!.errors).toBe(20);
    expect(t.engine.stats().find((s) => s.nodeId === "a")!.received).toBe(20);
  });

  it("a loop that drops msg.error goes on, but timers and other work still run between its turns", async () => {
    t = await startTestFlow(
      {
        nodes: [
          fails("f"),
          { id: "c", type: "catch", wires: [["fresh"]] },
          { id: "fresh", type: "function", config: { code: "return { payload: 'new' };" }, wires: [["b"]] },
          fails("b"),
          { id: "alive", type: "test-collect" },
        ],
      },
      { nodes: [fn, catchNode] },
    );
    t.inject("f", { payload: 0 });
    await until(() => errorsOf(t!.events, "b").length > 20);
    // A timer fires and another message is handled while the loop is still going (it goes on afterwards):
    // a loop that starved the event loop would never let either happen.
    const atTimer = await new Promise<number>((r) => setTimeout(() => r(errorsOf(t!.events, "b").length), 10));
    await expect(t.injectTracked("alive", { payload: "still here" })).resolves.toEqual({ outcome: "ack" });
    await until(() => errorsOf(t!.events, "b").length > atTimer + 5, 5_000, "the loop to go on after the timer");
    expect(stopped(t.events)).toBeUndefined();
  });
});
