import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import smooth from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function run(config: Record<string, unknown>, inputs: Record<string, unknown>[]): Promise<unknown[]> {
  t = await startTestFlow({ nodes: [{ id: "s", type: "smooth", config, wires: [["out"]] }, { id: "out", type: "test-collect" }] }, { nodes: [smooth] });
  // Each completes once smooth (and the collector behind it) has handled it.
  for (const m of inputs) await t.injectTracked("s", m);
  return t.received("out").map((m) => m.payload);
}
const p = (...xs: unknown[]) => xs.map((payload) => ({ payload }));

describe("smooth", () => {
  it("mean, min and max over a moving window", async () => {
    expect(await run({ action: "mean", count: 3 }, p(3, 6, 9, 12))).toEqual([3, 4.5, 6, 9]);
    expect(await run({ action: "min", count: 2 }, p(5, 3, 8, 9))).toEqual([5, 3, 3, 8]);
    expect(await run({ action: "max", count: 2 }, p(5, 3, 8, 1))).toEqual([5, 5, 8, 8]);
  });

  it("reduce: one result per full window, then afresh; round", async () => {
    expect(await run({ action: "mean", count: 3, reduce: true, round: 2 }, p(1, 2, 2, 10, 20, 30, 7))).toEqual([1.67, 20]);
  });

  it("low-pass and high-pass", async () => {
    expect(await run({ action: "low-pass", count: 4 }, p(0, 8, 8))).toEqual([0, 2, 3.5]);
    const hp = (await run({ action: "high-pass", count: 1 }, p(10, 10, 20, 20))) as number[];
    expect(hp).toEqual([0, 0, 5, 2.5]);
  });

  it("keeps a series per topic, and msg.reset clears one", async () => {
    const out = await run({ action: "mean", count: 10, perTopic: true }, [
      { topic: "a", payload: 10 },
      { topic: "b", payload: 100 },
      { topic: "a", payload: 20 },
      { topic: "a", reset: true },
      { topic: "a", payload: 1 },
      { topic: "b", payload: 200 },
    ]);
    expect(out).toEqual([10, 100, 15, 1, 150]);
  });
});
