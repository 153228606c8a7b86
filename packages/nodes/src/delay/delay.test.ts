import { afterEach, describe, expect, it, vi } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import delay from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await t?.stop();
  t = undefined;
});

async function start(config: Record<string, unknown>): Promise<TestFlow> {
  t = await startTestFlow({ nodes: [{ id: "d", type: "delay", config, wires: [["out"]] }, { id: "out", type: "test-collect" }] }, { nodes: [delay] });
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  return t;
}
const out = () => t!.received("out").map((m) => m.payload);

describe("delay", () => {
  it("delays each message by the fixed time, or by msg.delay when allowed", async () => {
    await start({ delay: "2s", delayOverride: true });
    t!.inject("d", { payload: 1 });
    vi.advanceTimersByTime(500);
    t!.inject("d", { payload: 2, delay: 100 });
    vi.advanceTimersByTime(100);
    expect(out()).toEqual([2]);
    vi.advanceTimersByTime(1399);
    expect(out()).toEqual([2]);
    vi.advanceTimersByTime(1);
    expect(out()).toEqual([2, 1]);
  });

  it("random waits between min and max", async () => {
    await start({ mode: "random", min: "1s", max: "3s" });
    for (let i = 0; i < 20; i++) t!.inject("d", { payload: i });
    vi.advanceTimersByTime(999);
    expect(out()).toEqual([]);
    vi.advanceTimersByTime(2001);
    expect(out()).toHaveLength(20);
  });

  it("reset discards what waits; flush sends it now (or the first N)", async () => {
    await start({ delay: "10s" });
    for (let i = 1; i <= 3; i++) t!.inject("d", { payload: i });
    t!.inject("d", { flush: 2 });
    expect(out()).toEqual([1, 2]);
    t!.inject("d", { reset: true });
    vi.advanceTimersByTime(20_000);
    expect(out()).toEqual([1, 2]);
    expect(t!.engine.stats().find((s) => s.nodeId === "d")!.inFlight).toBe(0);
  });

  it("rate queues messages over the rate and releases them evenly, in order", async () => {
    await start({ mode: "rate", rate: 2, per: "1s" });
    for (let i = 1; i <= 5; i++) t!.inject("d", { payload: i });
    expect(out()).toEqual([1]);
    vi.advanceTimersByTime(500);
    expect(out()).toEqual([1, 2]);
    vi.advanceTimersByTime(1500);
    expect(out()).toEqual([1, 2, 3, 4, 5]);
    // After a quiet spell the next message goes at once.
    vi.advanceTimersByTime(5000);
    t!.inject("d", { payload: 6 });
    expect(out()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("rate with drop discards messages over the rate", async () => {
    await start({ mode: "rate", rate: 1, per: "1s", drop: true });
    t!.inject("d", { payload: 1 });
    t!.inject("d", { payload: 2 });
    vi.advanceTimersByTime(600);
    t!.inject("d", { payload: 3 });
    vi.advanceTimersByTime(400);
    t!.inject("d", { payload: 4 });
    expect(out()).toEqual([1, 4]);
    expect(t!.engine.stats().find((s) => s.nodeId === "d")!.inFlight).toBe(0);
  });

  it("rate-per-topic keeps the latest per topic and releases one topic per period, or all", async () => {
    await start({ mode: "rate-per-topic", per: "1s" });
    t!.inject("d", { topic: "a", payload: 1 });
    t!.inject("d", { topic: "b", payload: 2 });
    t!.inject("d", { topic: "a", payload: 3 });
    expect(out()).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(out()).toEqual([3]);
    vi.advanceTimersByTime(1000);
    expect(out()).toEqual([3, 2]);
    await t!.stop();
    await start({ mode: "rate-per-topic", per: "1s", release: "all" });
    t!.inject("d", { topic: "a", payload: 1 });
    t!.inject("d", { topic: "b", payload: 2 });
    vi.advanceTimersByTime(1000);
    expect(out()).toEqual([1, 2]);
  });

  it("holds no more than its concurrency: a burst waits upstream instead of being dropped", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "d", type: "delay", queue: { concurrency: 10, size: 5 }, config: { delay: "1s" }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: [delay] },
    );
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    for (let i = 0; i < 12; i++) t.inject("d", { payload: i });
    const stats = () => t!.engine.stats().find((s) => s.nodeId === "d")!;
    expect(stats().inFlight).toBe(10);
    vi.advanceTimersByTime(1000);
    expect(out()).toHaveLength(10);
    // The queued ones start when slots free up (the engine drains on the next turn).
    await new Promise((r) => setImmediate(r));
    vi.advanceTimersByTime(1000);
    expect(out()).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(stats().dropped).toBe(0);
  });
});
