import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import filter from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function pass(config: Record<string, unknown>, inputs: Record<string, unknown>[]): Promise<unknown[]> {
  t = await startTestFlow({ nodes: [{ id: "f", type: "filter", config, wires: [["out"]] }, { id: "out", type: "test-collect" }] }, { nodes: [filter] });
  // Each completes once filter (and the collector behind it) has handled it.
  for (const m of inputs) await t.injectTracked("f", m);
  return t.received("out").map((m) => m.payload);
}

const payloads = (...xs: unknown[]) => xs.map((payload) => ({ payload }));

describe("filter", () => {
  it("changed: blocks repeats, compares objects by content, and keeps a reference per topic", async () => {
    const out = await pass({}, [
      { payload: 1, topic: "a" },
      { payload: 1, topic: "a" },
      { payload: 1, topic: "b" },
      { payload: { v: [1, 2] }, topic: "a" },
      { payload: { v: [1, 2] }, topic: "a" },
      { payload: { v: [1, 3] }, topic: "a" },
      { payload: 2, topic: "b" },
    ]);
    expect(out).toEqual([1, 1, { v: [1, 2] }, { v: [1, 3] }, 2]);
  });

  it("changed-ignore-first: the first value only sets the reference; msg.reset forgets it", async () => {
    expect(await pass({ mode: "changed-ignore-first", perTopic: false }, [...payloads(5, 5, 6), { reset: true }, ...payloads(6, 7)])).toEqual([6, 7]);
  });

  it("deadband: passes a move of at least the band from the last output, so slow drift adds up", async () => {
    expect(await pass({ mode: "deadband", band: 10 }, payloads(100, 105, 109, 110, 111, 95, 90))).toEqual([100, 110, 95]);
    expect(await pass({ mode: "deadband", band: 10, inclusive: false }, payloads(100, 110, 111))).toEqual([100, 111]);
    // Compared with the last input, a slow drift never passes.
    expect(await pass({ mode: "deadband", band: 10, compareTo: "last-input" }, payloads(100, 105, 110, 115))).toEqual([100]);
  });

  it("deadband in percent of the reference", async () => {
    expect(await pass({ mode: "deadband", band: 5, bandUnit: "percent" }, payloads(1000, 1040, 1050, 1102, 1103))).toEqual([1000, 1050, 1103]);
  });

  it("narrowband: blocks spikes away from the reference, with an optional start value", async () => {
    expect(await pass({ mode: "narrowband", band: 5 }, payloads(20, 22, 80, 24, 30))).toEqual([20, 22, 24]);
    expect(await pass({ mode: "narrowband", band: 5, startValue: 50 }, payloads(20, 52, 56))).toEqual([52, 56]);
  });

  it("band modes count non-numeric values as rejected and pass numeric strings", async () => {
    const out = await pass({ mode: "deadband", band: 1 }, payloads("12.5", "n/a", { x: 1 }, 14));
    expect(out).toEqual(["12.5", 14]);
    expect(t!.engine.stats().find((s) => s.nodeId === "f")!.rejected).toBe(2);
  });

  it("reads another property when told to", async () => {
    expect(await pass({ property: "reading.kw" }, [{ reading: { kw: 1 }, payload: "x" }, { reading: { kw: 1 }, payload: "y" }, { reading: { kw: 2 }, payload: "z" }])).toEqual(["x", "z"]);
  });
});
