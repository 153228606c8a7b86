import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import { siteNodes } from "./index.js";
import { siteBalance } from "./balance-model.js";
import { periodOf } from "./site-summary.js";

let t: TestFlow | undefined;
let store: Store | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await store?.close();
  store = undefined;
});

const T0 = Date.parse("2025-06-21T12:00:00Z");
const MIN = 60_000;

describe("the balance model", () => {
  it("closes at every instant: production + import = consumption + export + battery", () => {
    for (const r of [
      { pv: 300, batteryCharge: 250, batteryLoad: 20, house: 400, heatpump: 0 },
      { pv: 2400, batteryCharge: 0, batteryLoad: 18, house: 300, heatpump: 15 },
      { pv: 0, batteryCharge: 0, batteryLoad: 70, house: 200, heatpump: 1400 },
    ]) {
      const b = siteBalance(r);
      expect(b.pv_power_w + b.grid_import_w).toBeCloseTo(b.consumption_w + b.grid_export_w + b.battery_power_w, 5);
      expect(b.surplus_w).toBeCloseTo(b.pv_power_w - b.consumption_w, 5);
      expect(Math.min(b.grid_import_w, b.grid_export_w)).toBe(0);
    }
    expect(siteBalance({ pv: 0, batteryCharge: 0, batteryLoad: 0, house: 600, heatpump: 1400 })).toMatchObject({ heatpump_share_pct: 70, grid_import_w: 2000, surplus_w: -2000 });
  });
});

describe("energy-balance", () => {
  const flow = {
    nodes: [
      {
        id: "balance",
        type: "energy-balance",
        config: {
          maxAge: "5m",
          sources: { pv: { series: "pv" }, house: { series: "house", scale: 1000 }, heatpump: { series: "hp" }, soc: { series: "soc" } },
        },
        wires: [["out"]],
      },
      { id: "out", type: "test-collect" },
    ],
  };

  it("samples the newest reading of each source at the sample time, sums heat pumps, and names what is missing or stale", async () => {
    store = openStore({ memory: true });
    await store.writePoints([
      { series: "pv", time: T0 - MIN, value: 1000 },
      { series: "pv", time: T0 + MIN, value: 5000 }, // after the sample time: not seen
      { series: "house", time: T0 - 2 * MIN, value: 0.4 }, // kW, scaled
      { series: "hp", time: T0 - MIN, value: 300, tags: { device_id: "a" } },
      { series: "hp", time: T0 - 2 * MIN, value: 200, tags: { device_id: "b" } },
      { series: "hp", time: T0 - 3 * MIN, value: 999, tags: { device_id: "b" } }, // older than b's newest: not counted
      { series: "soc", time: T0 - 10 * MIN, value: 80 }, // stale
    ]);
    t = await startTestFlow(flow, { nodes: siteNodes, store });
    expect(await t.injectTracked("balance", { time: T0 } as never)).toEqual({ outcome: "ack" });
    const [msg] = await t.waitFor("out", 1);
    expect(msg!.payload).toMatchObject({
      site: "home",
      timestamp: new Date(T0).toISOString(),
      pv_power_w: 1000,
      house_power_w: 400,
      heatpump_power_w: 500,
      consumption_w: 900,
      surplus_w: 100,
      grid_export_w: 100,
      missing: ["soc"],
    });
    expect((msg!.payload as Record<string, unknown>).battery_soc_pct).toBeUndefined();
  });

  it("sends nothing when no source has a recent reading", async () => {
    t = await startTestFlow(flow, { nodes: siteNodes });
    expect(await t.injectTracked("balance", { time: T0 } as never)).toEqual({ outcome: "ack" });
    expect(t.received("out")).toEqual([]);
  });
});

describe("surplus-rule", () => {
  const rule = (config: Record<string, unknown>) => ({
    nodes: [
      { id: "rule", type: "surplus-rule", config: { threshold: 1000, hysteresis: 200, minDuration: "10m", dailyCap: 1, deviceId: "hp7", ...config }, wires: [["commands"], ["actions"]] },
      { id: "commands", type: "test-collect" },
      { id: "actions", type: "test-collect" },
    ],
  });
  const feed = async (surplus: readonly number[], from: number): Promise<void> => {
    for (const [i, s] of surplus.entries()) await t!.injectTracked("rule", { payload: { surplus_w: s, timestamp: from + i * MIN } });
  };
  // Minute by minute: a dip to 900 W (within the hysteresis) is forgiven; a fall to 700 W ends the window.
  const window = [1200, 1300, 900, 1250, 1200, 1100, 1500, 1400, 1300, 1200, 1100, 1250, 1300, 700, 1200];

  it("is off by default: sends and records nothing", async () => {
    t = await startTestFlow({ nodes: [{ ...rule({}).nodes[0]!, config: { threshold: 10 } }, ...rule({}).nodes.slice(1)] }, { nodes: siteNodes });
    await feed([500, 500, 500, 500], T0);
    expect(t.received("commands")).toEqual([]);
    expect(t.received("actions")).toEqual([]);
  });

  it("sends one command once the surplus held for the minimum time, with hysteresis, then respects the daily cap", async () => {
    store = openStore({ memory: true });
    t = await startTestFlow(rule({ mode: "on" }), { nodes: siteNodes, store });
    await feed(window, T0);
    expect(t.received("commands").map((m) => [m.topic, (m.payload as { command: string }).command])).toEqual([["heatpump/hp7/commands", "boost"]]);
    const [action] = t.received("actions");
    expect(action!.payload).toMatchObject({ action: "command", time: new Date(T0 + 10 * MIN).toISOString(), device_id: "hp7", surplus_w: 1100 });
    expect((action!.payload as { reason: string }).reason).toBe("surplus above 1000 W for 10 min (now 1100 W); command 1 of 1 today");

    // The cap is kept across a restart: the same day's next window is recorded as skipped, not sent.
    await t.stop();
    t = await startTestFlow(rule({ mode: "on" }), { nodes: siteNodes, store });
    await feed(window.slice(0, 12), T0 + 60 * MIN);
    expect(t.received("commands")).toEqual([]);
    expect(t.received("actions").map((m) => (m.payload as { action: string }).action)).toEqual(["skipped"]);
    // A new day, a new allowance.
    await feed(window.slice(0, 12), Date.parse("2025-06-22T12:00:00Z"));
    expect(t.received("commands")).toHaveLength(1);
  });

  it("fails a message without a numeric surplus, naming the path", async () => {
    t = await startTestFlow(rule({ mode: "on" }), { nodes: siteNodes });
    const done = await t.injectTracked("rule", { payload: { surplus_w: "lots" } });
    expect(done.outcome).toBe("nack");
    expect(String((done as { error?: Error }).error?.message)).toMatch(/payload\.surplus_w must be a number/);
  });
});

describe("site-summary", () => {
  it("reads the period from date or month, refusing anything else", () => {
    expect(periodOf({ date: "2024-02-29" }, "Europe/Berlin")).toMatchObject({ unit: "day", start: Date.parse("2024-02-28T23:00:00Z"), end: Date.parse("2024-02-29T23:00:00Z") });
    expect(periodOf({ month: "2025-03" }, "UTC")).toMatchObject({ unit: "month", start: Date.parse("2025-03-01T00:00:00Z"), end: Date.parse("2025-04-01T00:00:00Z") });
    for (const q of [{}, { date: "2025-02-29" }, { date: "2025-6-1" }, { month: "2025-00" }, { date: "2025-06-01", month: "2025-06" }]) expect(periodOf(q, "UTC")).toHaveProperty("detail");
  });

  it("answers a closed day from its daily rollup and an open one from the finer rollups", async () => {
    store = openStore({ memory: true });
    const day = Date.parse("2025-06-21T00:00:00Z");
    await store.writePoints([
      { series: "r.daily.pv_energy", time: day, value: 2500, tags: { site: "home" } },
      { series: "r.daily.pv_energy", time: day, value: 9999, tags: { site: "other" } },
      { series: "r.daily.pv_avg", time: day, value: 104, tags: { site: "home" } },
      { series: "r.q.pv_energy", time: day + 86_400_000, value: 40.04, tags: { site: "home" } },
      { series: "r.q.pv_energy", time: day + 86_400_000 + 15 * MIN, value: 60, tags: { site: "home" } },
    ]);
    t = await startTestFlow(
      { nodes: [{ id: "s", type: "site-summary", config: { daily: "r.daily", monthly: "r.monthly", partial: "r.q" }, wires: [["out"]] }, { id: "out", type: "test-collect" }] },
      { nodes: siteNodes, store },
    );
    const ask = async (query: Record<string, string>) => {
      const n = t!.received("out").length;
      t!.inject("s", { req: { query } } as never);
      return (await t!.waitFor("out", n + 1))[n] as { statusCode: number; payload: Record<string, unknown> };
    };
    expect(await ask({ date: "2025-06-21" })).toMatchObject({ statusCode: 200, payload: { date: "2025-06-21", complete: true, energy_wh: { pv: 2500 } } });
    expect(await ask({ date: "2025-06-22" })).toMatchObject({ statusCode: 200, payload: { complete: false, energy_wh: { pv: 100 } } });
    expect(await ask({ date: "2025-06-23" })).toMatchObject({ statusCode: 404, payload: { detail: "No site totals for 2025-06-23." } });
    expect(await ask({ month: "June" })).toMatchObject({ statusCode: 400, payload: { detail: 'month "June" is not a month as YYYY-MM.' } });
  });
});
