import { afterEach, describe, expect, it, vi } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import join from "./index.js";
import split from "../split/index.js";
import catchNode from "../catch/index.js";

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
        { id: "s", type: "split", wires: [["j"]] },
        { id: "j", type: "join", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [join, split, catchNode] },
  );
}
const out = () => t!.received("out").map((m) => m.payload);

describe("join", () => {
  it("manual: an array after count messages, then the next group", async () => {
    await start({ mode: "manual", count: 2 });
    for (const p of [1, 2, 3, 4, 5]) t!.inject("j", { payload: p });
    expect(out()).toEqual([[1, 2], [3, 4]]);
  });

  it("manual: an object keyed by topic, completed by msg.complete", async () => {
    await start({ mode: "manual", build: "object" });
    t!.inject("j", { topic: "pv", payload: 1 });
    t!.inject("j", { topic: "load", payload: 2 });
    t!.inject("j", { topic: "pv", payload: 3 });
    expect(out()).toEqual([]);
    t!.inject("j", { complete: true });
    expect(out()).toEqual([{ pv: 3, load: 2 }]);
  });

  it("manual: a string with a joiner, and merged objects", async () => {
    await start({ mode: "manual", build: "string", joiner: ",", count: 3 });
    for (const p of ["a", "b", 7]) t!.inject("j", { payload: p });
    expect(out()).toEqual(["a,b,7"]);
    await t!.stop();
    await start({ mode: "manual", build: "merged", count: 2 });
    t!.inject("j", { payload: { a: 1, b: 1 } });
    t!.inject("j", { payload: { b: 2 } });
    expect(out()).toEqual([{ a: 1, b: 2 }]);
  });

  it("manual: a timeout sends what arrived since the first message", async () => {
    await start({ mode: "manual", timeout: "2s" });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    t!.inject("j", { payload: 1 });
    vi.advanceTimersByTime(1500);
    t!.inject("j", { payload: 2 });
    expect(out()).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(out()).toEqual([[1, 2]]);
  });

  it("auto: reassembles by index even out of order", async () => {
    await start({});
    const parts = (index: number) => ({ id: "seq", type: "array", index, count: 3 });
    t!.inject("j", { payload: "c", parts: parts(2) });
    t!.inject("j", { payload: "a", parts: parts(0) });
    t!.inject("j", { payload: "b", parts: parts(1) });
    expect(out()).toEqual([["a", "b", "c"]]);
  });

  it("reduce: sum, mean, min, max, count of a split sequence", async () => {
    for (const [operation, expected] of [["sum", 10], ["mean", 2.5], ["min", 1], ["max", 4], ["count", 4]] as const) {
      await start({ mode: "reduce", operation });
      // Completes once every part (and the reduced result made from the last) has been handled.
      await t!.injectTracked("s", { payload: [3, 1, 4, 2] });
      expect(out(), operation).toEqual([expected]);
      await t!.stop();
      t = undefined;
    }
  });

  it("auto without msg.parts fails with an error saying what is missing", async () => {
    await start({});
    t!.inject("j", { payload: 1 });
    const [caught] = await t!.waitFor("caught", 1);
    expect((caught!.error as { message: string }).message).toContain("msg.parts is missing");
  });
});
