import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import aggregate from "./index.js";
import { addReading, emptyAcc } from "../shared/stats.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const H = 3_600_000;

describe("energy by the trapezoid rule", () => {
  it("integrates irregular intervals and leaves gaps out", async () => {
    const acc = emptyAcc();
    const readings: [number, number][] = [
      [0, 100],
      [0.5 * H, 200], // 0.5 h at avg 150 W = 75 Wh
      [0.75 * H, 200], // 0.25 h at 200 W = 50 Wh
      [3 * H, 1000], // a 2.25 h gap: beyond maxGap, no energy
      [3.5 * H, 0], // 0.5 h at avg 500 W = 250 Wh
    ];
    let prev: { t: number; v: number } | undefined;
    for (const [time, v] of readings) {
      addReading(acc, time, v, prev, 1 * H);
      prev = { t: time, v };
    }
    expect(acc.energy).toBeCloseTo(375, 9);
    expect(acc).toMatchObject({ count: 5, min: 0, max: 1000, first: 100, last: 0 });
  });
});

const flow = (window: string, extra: Record<string, unknown> = {}) => ({
  nodes: [
    {
      id: "w",
      type: "aggregate-window",
      config: { window, key: "payload.device", maxGap: "1h", fields: [{ path: "payload.power", as: "power", stats: ["avg", "max", "count", "energy"] }], ...extra },
      wires: [["out"], ["late"]],
    },
    { id: "out", type: "test-collect" },
    { id: "late", type: "test-collect" },
  ],
});

describe("aggregate-window", () => {
  it("emits one window per key when a reading for a later window arrives", async () => {
    t = await startTestFlow(flow("1h"), { nodes: [aggregate] });
    const at = (iso: string) => ({ payload: { device: "a", power: 0, timestamp: iso } });
    t.inject("w", { payload: { device: "a", power: 100, timestamp: "2025-01-01T10:00:00Z" } });
    t.inject("w", { payload: { device: "b", power: 50, timestamp: "2025-01-01T10:10:00Z" } });
    t.inject("w", { payload: { device: "a", power: 300, timestamp: "2025-01-01T10:30:00Z" } });
    t.inject("w", at("2025-01-01T11:00:00Z"));
    const [win] = await t.waitFor("out", 1);
    expect(win!.payload).toEqual({ key: "a", start: "2025-01-01T10:00:00.000Z", end: "2025-01-01T11:00:00.000Z", timestamp: "2025-01-01T10:00:00.000Z", count: 2, power_avg: 200, power_max: 300, power_count: 2, power_energy: 100 });
    // A late reading for the emitted window goes to the second output.
    t.inject("w", at("2025-01-01T10:45:00Z"));
    await t.waitFor("late", 1);
    expect(t.received("out")).toHaveLength(1);
  });

  it("names a bare statistic by the field alone, and refuses two bare statistics for one field", async () => {
    t = await startTestFlow(flow("1h", { bare: ["avg"] }), { nodes: [aggregate] });
    t.inject("w", { payload: { device: "a", power: 100, timestamp: "2025-01-01T10:00:00Z" } });
    t.inject("w", { payload: { device: "a", power: 300, timestamp: "2025-01-01T10:30:00Z" } });
    t.inject("w", { payload: { device: "a", power: 0, timestamp: "2025-01-01T11:00:00Z" } });
    const [win] = await t.waitFor("out", 1);
    expect(win!.payload).toMatchObject({ power: 200, power_max: 300, power_count: 2 });
    expect(win!.payload).not.toHaveProperty("power_avg");
    await t.stop();
    t = await startTestFlow(flow("1h", { bare: ["avg", "max"] }), { nodes: [aggregate] });
    expect(t.events.find((e) => e.type === "status" && e.nodeId === "w")).toMatchObject({
      status: { fill: "red", text: expect.stringContaining("fields[0] (power): only one statistic can be bare, not avg and max") },
    });
  });

  it("the segment across a window edge counts in the window where it ends", async () => {
    t = await startTestFlow(flow("1h"), { nodes: [aggregate] });
    for (const [ts, p] of [
      ["2025-01-01T10:30:00Z", 100],
      ["2025-01-01T11:30:00Z", 100],
      ["2025-01-01T12:00:00Z", 0],
    ] as const)
      t.inject("w", { payload: { device: "a", power: p, timestamp: ts } });
    const wins = await t.waitFor("out", 2);
    expect(wins.map((w) => (w.payload as { power_energy: number }).power_energy)).toEqual([0, 100]);
  });

  it("calendar days follow the time zone, 23 hours on the spring change", async () => {
    t = await startTestFlow(flow("day", { timezone: "Europe/Berlin", key: undefined }), { nodes: [aggregate] });
    t.inject("w", { payload: { power: 10, timestamp: "2025-03-29T23:30:00Z" } }); // 00:30 local, 30 March
    t.inject("w", { payload: { power: 10, timestamp: "2025-03-30T21:59:00Z" } }); // 23:59 local
    t.inject("w", { payload: { power: 10, timestamp: "2025-03-30T22:00:00Z" } }); // 00:00 local, 31 March
    const [day] = await t.waitFor("out", 1);
    expect(day!.payload).toMatchObject({ start: "2025-03-29T23:00:00.000Z", end: "2025-03-30T22:00:00.000Z", count: 2 });
  });

  it("an open window survives a restart: its statistics are kept in the store", async () => {
    const store: Store = openStore({ memory: true });
    const now = Date.now();
    const inOneHour = Math.floor(now / H) * H;
    t = await startTestFlow(flow("1h"), { nodes: [aggregate], store });
    // Tracked: both are handled (and the window's state written) before the restart.
    await t.injectTracked("w", { payload: { device: "a", power: 100, timestamp: inOneHour + 1000 } });
    await t.injectTracked("w", { payload: { device: "a", power: 300, timestamp: inOneHour + 2000 } });
    await t.stop();
    t = await startTestFlow(flow("1h"), { nodes: [aggregate], store });
    t.inject("w", { payload: { device: "a", power: 500, timestamp: inOneHour + 3000 } });
    t.inject("w", { payload: { device: "a", power: 0, timestamp: inOneHour + H } });
    const [win] = await t.waitFor("out", 1);
    expect(win!.payload).toMatchObject({ count: 3, power_max: 500, power_avg: 300 });
    await t.stop();
    t = undefined;
    await store.close();
  });

  it("sliding windows emit every step over the last window", async () => {
    t = await startTestFlow(flow("30m", { every: "10m" }), { nodes: [aggregate] });
    const send = (iso: string, p: number) => t!.inject("w", { payload: { device: "a", power: p, timestamp: iso } });
    send("2025-01-01T10:00:00Z", 1);
    send("2025-01-01T10:10:00Z", 2);
    send("2025-01-01T10:20:00Z", 3);
    send("2025-01-01T10:30:00Z", 4);
    const wins = await t.waitFor("out", 3);
    expect(wins.map((w) => [(w.payload as { start: string }).start.slice(11, 16), (w.payload as { power_count: number }).power_count])).toEqual([
      ["09:40", 1],
      ["09:50", 2],
      ["10:00", 3],
    ]);
  });
});
