import { afterEach, describe, expect, it, vi } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import trigger from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await t?.stop();
  t = undefined;
});

async function start(config: Record<string, unknown>): Promise<void> {
  t = await startTestFlow({ nodes: [{ id: "t", type: "trigger", config, wires: [["out"]] }, { id: "out", type: "test-collect" }] }, { nodes: [trigger] });
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
}
const out = () => t!.received("out").map((m) => m.payload);

describe("trigger", () => {
  it("sends 1, waits, sends 0; messages while waiting are ignored", async () => {
    await start({ wait: "1s" });
    t!.inject("t", { payload: "x" });
    expect(out()).toEqual(["1"]);
    vi.advanceTimersByTime(600);
    t!.inject("t", { payload: "y" });
    vi.advanceTimersByTime(400);
    expect(out()).toEqual(["1", "0"]);
    // Once fired it re-arms on the next message.
    t!.inject("t", { payload: "z" });
    expect(out()).toEqual(["1", "0", "1"]);
  });

  it("extend restarts the wait on each message; the second can be the latest message", async () => {
    await start({ wait: "1s", extend: true, first: "nothing", second: "latest" });
    t!.inject("t", { payload: "a" });
    vi.advanceTimersByTime(800);
    t!.inject("t", { payload: "b" });
    vi.advanceTimersByTime(800);
    expect(out()).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(out()).toEqual(["b"]);
  });

  it("sends the original message first and again after the wait", async () => {
    await start({ wait: "1s", first: "message", second: "message" });
    t!.inject("t", { payload: { kw: 3 } });
    vi.advanceTimersByTime(1000);
    expect(out()).toEqual([{ kw: 3 }, { kw: 3 }]);
  });

  it("msg.reset or the reset payload stops the wait without the second send; 0s waits until reset", async () => {
    await start({ wait: "0s", resetPayload: "off" });
    t!.inject("t", { payload: "on" });
    vi.advanceTimersByTime(60_000);
    t!.inject("t", { payload: "on" });
    expect(out()).toEqual(["1"]);
    t!.inject("t", { payload: "off" });
    t!.inject("t", { payload: "on" });
    expect(out()).toEqual(["1", "1"]);
    t!.inject("t", { reset: true });
    vi.advanceTimersByTime(60_000);
    expect(out()).toEqual(["1", "1"]);
  });

  it("runs a separate trigger per topic", async () => {
    await start({ wait: "1s", perTopic: true, first: "value", firstValue: "on", secondValue: "off" });
    t!.inject("t", { topic: "a", payload: 1 });
    vi.advanceTimersByTime(500);
    t!.inject("t", { topic: "b", payload: 1 });
    t!.inject("t", { topic: "a", reset: true });
    vi.advanceTimersByTime(1000);
    expect(t!.received("out").map((m) => `${String(m.topic)}:${String(m.payload)}`)).toEqual(["a:on", "b:on", "b:off"]);
  });
});
