import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openStore, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import schedule from "./index.js";

let t: TestFlow | undefined;
let store: Store;
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  store = openStore({ memory: true });
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await store.close();
  vi.useRealTimers();
});

const flow = (at: string, timezone = "Europe/London") => ({
  nodes: [
    { id: "job", type: "schedule", config: { at, timezone, job: "monthly" }, wires: [["out"]] },
    { id: "out", type: "test-collect" },
  ],
});
const start = () => startTestFlow(flow("00:05"), { nodes: [schedule], store });
/** Lets timers due by `iso` fire, then lets the engine deliver. */
async function advanceTo(iso: string): Promise<void> {
  await vi.advanceTimersByTimeAsync(Date.parse(iso) - Date.now());
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}
const runs = () => t!.received("out").map((m) => m.payload as { date: string; previousDay: string; how: string });

describe("schedule", () => {
  it("runs at the local time once a day, for the previous day", async () => {
    vi.setSystemTime(new Date("2025-01-10T23:00:00Z"));
    t = await start();
    // First start after today's time: today's run is caught up at once.
    await advanceTo("2025-01-11T00:04:59Z");
    expect(runs()).toMatchObject([{ date: "2025-01-10", how: "catch-up" }]);
    await advanceTo("2025-01-11T00:05:01Z");
    expect(runs()[1]).toMatchObject({ date: "2025-01-11", previousDay: "2025-01-10", how: "scheduled" });
    await advanceTo("2025-01-12T00:05:01Z");
    expect(runs().map((r) => r.date)).toEqual(["2025-01-10", "2025-01-11", "2025-01-12"]);
  });

  it("follows local time across daylight saving: 00:05 BST is 23:05 UTC", async () => {
    vi.setSystemTime(new Date("2025-03-29T00:00:00Z"));
    t = await start();
    await advanceTo("2025-03-30T00:05:01Z"); // clocks go forward at 01:00 UTC on 30 March
    await advanceTo("2025-03-30T23:04:59Z");
    expect(runs().map((r) => r.date)).toEqual(["2025-03-29", "2025-03-30"]);
    await advanceTo("2025-03-30T23:05:01Z");
    expect(runs().map((r) => r.date)).toEqual(["2025-03-29", "2025-03-30", "2025-03-31"]);
  });

  it("a restart just after the job does not run it again", async () => {
    vi.setSystemTime(new Date("2025-01-11T00:04:00Z"));
    t = await start();
    await advanceTo("2025-01-11T00:05:30Z");
    expect(runs()).toHaveLength(1);
    await t.stop();
    vi.setSystemTime(new Date("2025-01-11T00:06:00Z"));
    t = await start();
    await advanceTo("2025-01-11T12:00:00Z");
    expect(runs()).toEqual([]);
  });

  it("a restart just before the job still runs it once; a run missed while down is caught up", async () => {
    vi.setSystemTime(new Date("2025-01-11T00:04:00Z"));
    t = await start();
    await t.stop();
    vi.setSystemTime(new Date("2025-01-11T00:04:59Z"));
    t = await start();
    await advanceTo("2025-01-11T00:05:30Z");
    expect(runs().map((r) => r.how)).toEqual(["scheduled"]);
    await t.stop();
    // Down from before 00:05 on the 12th until 09:00: caught up at start, once.
    vi.setSystemTime(new Date("2025-01-12T09:00:00Z"));
    t = await start();
    await advanceTo("2025-01-12T09:00:01Z");
    expect(runs()).toMatchObject([{ date: "2025-01-12", how: "catch-up" }]);
    await advanceTo("2025-01-12T23:00:00Z");
    expect(runs()).toHaveLength(1);
  });

  it("a manual trigger runs now without touching the record", async () => {
    vi.setSystemTime(new Date("2025-01-11T00:04:00Z"));
    t = await start();
    await t.engine.trigger(t.flowId, "job");
    await advanceTo("2025-01-11T00:04:01Z");
    await advanceTo("2025-01-11T00:05:01Z");
    expect(runs().map((r) => r.how)).toEqual(["manual", "scheduled"]);
  });
});
