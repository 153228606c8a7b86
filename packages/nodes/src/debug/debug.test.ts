import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import debug from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe("debug", () => {
  it("publishes the chosen property to the event stream and counts", async () => {
    t = await startTestFlow({ nodes: [{ id: "d", type: "debug", config: { property: "payload.v" } }] }, { nodes: [debug] });
    t.inject("d", { payload: { v: 42 } });
    t.inject("d", { payload: { v: 43 } });
    await new Promise((r) => setTimeout(r, 20));
    const shown = t.events.filter((e) => e.type === "debug").map((e) => (e.type === "debug" ? e.msg : null));
    expect(shown).toEqual([42, 43]);
    expect(t.engine.statuses()).toContainEqual({ flowId: "test", nodeId: "d", status: { fill: "grey", shape: "dot", text: "2" } });
  });

  it("cuts huge values so the editor is not flooded", async () => {
    t = await startTestFlow({ nodes: [{ id: "d", type: "debug", config: { property: "msg" } }] }, { nodes: [debug] });
    t.inject("d", { payload: "x".repeat(5000), list: Array.from({ length: 500 }, (_, i) => i) });
    await new Promise((r) => setTimeout(r, 20));
    const event = t.events.find((e) => e.type === "debug");
    const msg = (event?.type === "debug" ? event.msg : {}) as { payload: string; list: unknown[] };
    expect(msg.payload.length).toBeLessThan(1100);
    expect(msg.payload).toContain("(5000 chars)");
    expect(msg.list).toHaveLength(101);
  });
});
