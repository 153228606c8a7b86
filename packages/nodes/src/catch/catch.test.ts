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


/** How long a 10 ms timer takes to fire: a runtime stuck in a loop never fires it. */
async function timerLatency(): Promise<number> {
  const began = Date.now();
  await new Promise((r) => setTimeout(r, 10));
  return Date.now() - began;
}

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
    t = await startTestFlow({ nodes: [fails("f"), { id: "c", type: "catch", wires: [["again"]] }, fails("again")] }, { nodes: [fn, catchNode] });
    t.inject("f", { payload: 1 });
    await until(() => stopped(t!.events) !== undefined);
    expect(stopped(t.events)).toMatchObject({ flowId: "test", nodeId: "again" });
    expect(stopped(t.events)!.type === "error" && stopped(t.events)!.message).toMatch(/after 10 errors in a chain: test\/f → test\/again → test\/again → … → test\/again/);
    expect(await timerLatency()).toBeLessThan(100);
    const errors = errorsOf(t.events, "again").length;
    await new Promise((r) => setTimeout(r, 100));
    expect(errorsOf(t.events, "again")).toHaveLength(errors);
    // f's first error, then 9 more links; the 10th error of `again` is the one that was not routed.
    expect(t.engine.stats().find((s) => s.nodeId === "again")!.errors).toBe(10);
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
    expect(await timerLatency()).toBeLessThan(100);
    expect(t.engine.stats().find((s) => s.nodeId === "b")!.errors).toBe(10);
    expect(t.engine.stats().find((s) => s.nodeId === "a")!.received).toBe(10);
  });

  it("a loop that drops msg.error goes on, but timers and other work still run between its turns", async () => {
    t = await startTestFlow(
      {
        nodes: [
          fails("f"),
          { id: "c", type: "catch", wires: [["fresh"]] },
          { id: "fresh", type: "function", config: { code: "return { payload: 'new' };" }, wires: [["b"]] },
          fails("b"),
        ],
      },
      { nodes: [fn, catchNode] },
    );
    t.inject("f", { payload: 0 });
    await until(() => errorsOf(t!.events, "b").length > 20);
    expect(await timerLatency()).toBeLessThan(100);
    expect(stopped(t.events)).toBeUndefined();
  });
});
