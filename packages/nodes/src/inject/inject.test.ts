import { afterEach, describe, expect, it, vi } from "vitest";
import { Cron } from "croner";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import inject from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe("inject", () => {
  it("sends once at start with the configured payload, topic and properties", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "i", type: "inject", config: { once: true, onceDelay: "1ms", payload: { v: 1 }, payloadType: "json", topic: "t", props: [{ path: "meta.site", value: "roof" }] }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: [inject] },
    );
    const [msg] = await t.waitFor("out", 1);
    expect(msg).toMatchObject({ payload: { v: 1 }, topic: "t", meta: { site: "roof" } });
    expect(typeof msg!._msgid).toBe("string");
  });

  it("cluster one on a runtime on its own keeps ticking when the wall clock is set back", async () => {
    t = await startTestFlow({ nodes: [{ id: "i", type: "inject", config: { interval: "50ms", cluster: "one" }, wires: [["out"]] }, { id: "out", type: "test-collect" }] }, { nodes: [inject] });
    await t.waitFor("out", 2);
    const realNow = Date.now.bind(Date);
    // NTP correcting a clock that ran ahead: every later tick falls in a period before the last one fired.
    const back = vi.spyOn(Date, "now").mockImplementation(() => realNow() - 60_000);
    try {
      const before = t.received("out").length;
      await t.waitFor("out", before + 3);
    } finally {
      back.mockRestore();
    }
  });

  it("cluster one: a redeploy with a longer interval keeps ticking (slots are times, so the new ones follow the old)", async () => {
    const flow = (interval: string) => ({ nodes: [{ id: "i", type: "inject", config: { interval, cluster: "one" }, wires: [["out"]] }, { id: "out", type: "test-collect" }] });
    t = await startTestFlow(flow("20ms"), { nodes: [inject] });
    await t.waitFor("out", 3);
    await t.redeploy(flow("100ms"));
    const before = t.received("out").length;
    await t.waitFor("out", before + 2, 2000);
  });

  it("repeats on an interval and stops when the flow stops", async () => {
    // Fake timers: the interval fires exactly when the test moves the clock, and a stopped flow leaves no timer behind.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    try {
      t = await startTestFlow(
        { nodes: [{ id: "i", type: "inject", config: { interval: "10ms" }, wires: [["out"]] }, { id: "out", type: "test-collect" }] },
        { nodes: [inject] },
      );
      await vi.advanceTimersByTimeAsync(35);
      expect(t.received("out")).toHaveLength(3);
      expect(typeof t.received("out")[0]!.payload).toBe("number");
      await t.stop();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(t.received("out")).toHaveLength(3);
      t = undefined;
    } finally {
      vi.useRealTimers();
    }
  });

  it("fires on demand through trigger", async () => {
    t = await startTestFlow(
      { nodes: [{ id: "i", type: "inject", config: { payload: "now", payloadType: "string" }, wires: [["out"]] }, { id: "out", type: "test-collect" }] },
      { nodes: [inject] },
    );
    expect(await t.engine.trigger(t.flowId, "i")).toBe(true);
    expect((await t.waitFor("out", 1))[0]!.payload).toBe("now");
  });

  it("shows the next cron run computed in the configured time zone", async () => {
    t = await startTestFlow(
      { nodes: [{ id: "i", type: "inject", config: { cron: "0 2 * * *", timezone: "America/New_York" } }] },
      { nodes: [inject] },
    );
    const status = t.events.find((e) => e.type === "status" && e.nodeId === "i");
    const expected = new Cron("0 2 * * *", { timezone: "America/New_York" }).nextRun()!.toISOString();
    expect(status).toMatchObject({ status: { text: `next: ${expected}` } });
    // 02:00 in New York is 06:00 or 07:00 UTC depending on daylight saving time.
    expect(["06", "07"]).toContain(expected.slice(11, 13));
  });

  it("refuses a bad interval with the pointer to it", async () => {
    await expect(
      startTestFlow({ nodes: [{ id: "i", type: "inject", config: { interval: "ten seconds" } }] }, { nodes: [inject] }),
    ).rejects.toThrow(/\/nodes\/0\/config\/interval: must match/);
  });
});
