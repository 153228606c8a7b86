import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import catchNode from "../catch/index.js";
import solarReading from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const start = async (config: Record<string, unknown>) => {
  t = await startTestFlow(
    {
      nodes: [
        { id: "r", type: "solar-reading", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "k", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [solarReading, catchNode] },
  );
  return t;
};

const device = {
  timestamp: "2025-04-20T18:23:42.428584+00:00",
  unit_id: 1,
  pv_array: { voltage: 37.34, current: 8.04, power: 300.2, extra: 1 },
  battery: { voltage: 13.84, charging_current: 20.1, charging_power: 278.2, temperature: 25, soc: 87 },
  load: { voltage: 13.84, current: 3.61, power: 50 },
  controller: { temperature: 21.97, charging_mode: 2 },
};

describe("solar-reading", () => {
  it("shapes a device reading, and its numeric form for the store, keeping only the known fields", async () => {
    await start({ stored: "reading" });
    t!.inject("r", { payload: device });
    t!.inject("r", { payload: { ...device, timestamp: undefined, battery: { ...device.battery, soc: undefined }, controller: { temperature: 20, charging_mode: "1" } } });
    const [first, second] = await t!.waitFor("out", 2);
    expect(first!.payload).toEqual({
      timestamp: "2025-04-20T18:23:42.428Z",
      pv_array: { voltage: 37.34, current: 8.04, power: 300.2 },
      battery: { voltage: 13.84, charging_current: 20.1, charging_power: 278.2, temperature: 25 },
      load: { voltage: 13.84, current: 3.61, power: 50 },
      controller: { temperature: 21.97, charging_mode: "2.0" },
    });
    expect(Object.keys(first!.payload as object)).toEqual(["timestamp", "pv_array", "battery", "load", "controller"]);
    expect(first!.reading).toMatchObject({ controller: { temperature: 21.97, charging_state: 2 }, battery_soc: 87, pv_array: { power: 300.2 } });
    expect((second!.payload as { controller: unknown }).controller).toEqual({ temperature: 20, charging_mode: "1.0" });
    expect(second!.reading).not.toHaveProperty("battery_soc");
    expect(Date.parse((second!.payload as { timestamp: string }).timestamp)).toBeGreaterThan(Date.now() - 10_000);
  });

  it("reads the store's latest values and rows back into readings, null where a value is missing", async () => {
    const fields = { "pv_array.voltage": 37.3456, "pv_array.power": 0, "battery.voltage": 13.8, "controller.charging_state": 1.6 };
    await start({ from: "rows", property: "payload.rows", output: "data", decimals: 2 });
    t!.inject("r", { payload: { rows: [{ time: Date.UTC(2026, 0, 15, 12), fields }] } });
    const [rows] = await t!.waitFor("out", 1);
    expect(rows!.data).toEqual([
      {
        timestamp: "2026-01-15T12:00:00.000Z",
        pv_array: { voltage: 37.35, current: null, power: 0 },
        battery: { voltage: 13.8, charging_current: null, charging_power: null, temperature: null },
        load: { voltage: null, current: null, power: null },
        controller: { temperature: null, charging_mode: "2.0" },
      },
    ]);
    await t!.stop();
    await start({ from: "latest", property: "payload.latest" });
    t!.inject("r", { payload: { latest: { time: Date.UTC(2026, 0, 15, 12), fields } } });
    expect(((await t!.waitFor("out", 1))[0]!.payload as { pv_array: unknown }).pv_array).toEqual({ voltage: 37.3456, current: null, power: 0 });
  });

  it("fails a message that is not what `from` says, naming the property, and refuses options for another source", async () => {
    await start({ from: "latest", property: "payload.latest" });
    t!.inject("r", { payload: { latest: { time: null, fields: {} } } });
    const [caught] = await t!.waitFor("caught", 1);
    expect((caught!.error as { message: string }).message).toMatch(/msg\.payload\.latest is not a latest result/);
    await t!.stop();
    await start({ stored: "reading" });
    t!.inject("r", { payload: { ...device, battery: undefined } });
    expect(((await t!.waitFor("caught", 1))[0]!.error as { message: string }).message).toBe("msg.payload.battery is missing");
    await expect(startTestFlow({ nodes: [{ id: "r", type: "solar-reading", config: { from: "rows", stored: "x" } }] }, { nodes: [solarReading] })).rejects.toThrow(
      /stored is for from "device" only/,
    );
  });

  it("turns calendar days into the daily_stats answer: every date newest first, 0 where a figure is missing, rounded half to even", async () => {
    await start({ from: "days", property: "result", ratedWatts: "400" });
    const result = {
      produced: [
        { period: "2025-04-20", start: 0, value: 1245.65 },
        { period: "2025-04-18", start: 0, value: 1198.75 },
      ],
      consumed: [{ period: "2025-04-19", start: 0, value: 876.25 }],
      peak: [
        { period: "2025-04-20", start: 0, value: 320.5 },
        { period: "2025-04-18", start: 0, value: 298.66 },
      ],
    };
    t!.inject("r", { result });
    t!.inject("r", { result: { produced: [], consumed: [], peak: [] } });
    const [answer, empty] = await t!.waitFor("out", 2);
    expect(answer!.payload).toEqual({
      dates: ["2025-04-20", "2025-04-19", "2025-04-18"],
      energy_produced: [1245.6, 0, 1198.8],
      energy_consumed: [0, 876.2, 0],
      peak_power: [320.5, 0, 298.7],
      sunshine_hours: [3.1, 0, 3],
    });
    expect(empty!.payload).toEqual({ dates: [], energy_produced: [], energy_consumed: [], peak_power: [], sunshine_hours: [] });
    t!.inject("r", { result: { produced: [{ period: "2025-04-20" }] } });
    expect(((await t!.waitFor("caught", 1))[0]!.error as { message: string }).message).toBe("msg.result.produced[0] is not a calendar period ({ period, value })");
    await expect(startTestFlow({ nodes: [{ id: "r", type: "solar-reading", config: { from: "days" } }] }, { nodes: [solarReading] })).rejects.toThrow(/from "days" needs ratedWatts/);
  });

  it("turns calendar days into the monthly_stats answer: the newest `count` months in kWh, production per day with data", async () => {
    await start({ from: "months", property: "result", count: "{{req.query.months}}" });
    const result = {
      produced: [
        { period: "2025-04-02", start: 0, value: 1000 },
        { period: "2025-04-01", start: 0, value: 2010 },
        { period: "2025-03-31", start: 0, value: 1500 },
        { period: "2025-02-10", start: 0, value: 700 },
      ],
      consumed: [
        { period: "2025-04-01", start: 0, value: 875 },
        { period: "2025-01-05", start: 0, value: 400 },
      ],
    };
    t!.inject("r", { req: { query: { months: 3 } }, result });
    t!.inject("r", { req: { query: { months: 12 } }, result: { produced: [], consumed: [] } });
    const [answer, empty] = await t!.waitFor("out", 2);
    // April: 3.01 kWh over 2 days is 1.505 a day, which rounds half to even to 1.5; January (the 4th month) is left out.
    expect(answer!.payload).toEqual({
      periods: ["2025-04", "2025-03", "2025-02"],
      energy_produced: [3.01, 1.5, 0.7],
      energy_consumed: [0.88, 0, 0],
      avg_daily_production: [1.5, 1.5, 0.7],
    });
    expect(empty!.payload).toEqual({ periods: [], energy_produced: [], energy_consumed: [], avg_daily_production: [] });
    t!.inject("r", { req: { query: { months: "many" } }, result });
    expect(((await t!.waitFor("caught", 1))[0]!.error as { message: string }).message).toBe('count must be a whole number of months from 1 (got "many")');
  });
});
