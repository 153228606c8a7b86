import { afterEach, describe, expect, it, vi } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import batch from "./index.js";
import join from "../join/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await t?.stop();
  t = undefined;
});

async function start(config: Record<string, unknown>): Promise<void> {
  t = await startTestFlow(
    {
      nodes: [
        { id: "b", type: "batch", config, wires: [["out", "j"]] },
        { id: "j", type: "join", wires: [["joined"]] },
        { id: "out", type: "test-collect" },
        { id: "joined", type: "test-collect" },
      ],
    },
    { nodes: [batch, join] },
  );
}

describe("batch", () => {
  it("count: sequences of N with parts, joined into arrays", async () => {
    await start({ count: 2 });
    for (const p of [1, 2, 3, 4, 5]) t!.inject("b", { payload: p });
    const out = t!.received("out");
    expect(out.map((m) => m.payload)).toEqual([1, 2, 3, 4]);
    expect(out.map((m) => (m.parts as { index: number; count: number }).index)).toEqual([0, 1, 0, 1]);
    expect(t!.received("joined").map((m) => m.payload)).toEqual([[1, 2], [3, 4]]);
  });

  it("count with overlap: a sliding window", async () => {
    await start({ count: 3, overlap: 2 });
    for (const p of [1, 2, 3, 4, 5]) t!.inject("b", { payload: p });
    expect(t!.received("joined").map((m) => m.payload)).toEqual([[1, 2, 3], [2, 3, 4], [3, 4, 5]]);
  });

  it("interval: what arrived each interval, and an empty message when allowed", async () => {
    // The interval timer starts with the node: fake time from before the flow starts.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    await start({ mode: "interval", interval: "1s", allowEmpty: true });
    t!.inject("b", { payload: "a" });
    t!.inject("b", { payload: "b" });
    vi.advanceTimersByTime(1000);
    expect(t!.received("joined").map((m) => m.payload)).toEqual([["a", "b"]]);
    vi.advanceTimersByTime(1000);
    expect(t!.received("out").map((m) => m.payload)).toEqual(["a", "b", []]);
  });
});
