/**
 * Contract tests of flows/site.json: a simulated day walked in fast time (the
 * Epever, household and heat-pump simulators' models write the series the
 * solar, power-monitor and heat-pump flows write, with explicit times; the
 * balance is sampled at each step), the summary endpoint answered from the
 * rollups, and the surplus rule commanding the heat-pump simulator over a
 * real Mosquitto.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import WebSocket from "ws";
import { startShippedFlow, until, type ShippedFlow } from "../test/shipped-flow.js";
import { startMosquitto, mosquittoAvailable, type Mosquitto } from "../test/services/mosquitto.js";
import { epeverModel } from "../packages/nodes/src/modbus/simulator.js";
import { householdWatts } from "../packages/nodes/src/home-assistant/simulator.js";
import { heatpumpReading, startHeatpumpSimulator, type RunningHeatpumpSimulator } from "../packages/nodes/src/heatpump/simulator.js";
import type { Message, TypedPoint } from "../packages/runtime/src/index.js";

const DAY = Date.parse("2025-06-21T00:00:00Z");
const MIN = 60_000;
const STEP = 2 * MIN;
// A mild afternoon for the heat pump: 15:30 is in the off part of its 40-minute cycle.
const QUIET = Date.parse("2025-06-21T15:30:00Z");

let broker: Mosquitto;
let flow: ShippedFlow;
let http: string;
let heatpump: RunningHeatpumpSimulator;
let listener: MqttClient;
const commands: { topic: string; body: Record<string, unknown> }[] = [];

const get = async <T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(new URL(path, http));
  return { status: res.status, body: (await res.json()) as T };
};

/** What the solar, power-monitor and heat-pump flows write at time `t`, as the simulators produce it. */
function otherFlowsPoints(t: number, over?: { pv?: number; house?: number }): TypedPoint[] {
  const sun = epeverModel(t);
  const hp = heatpumpReading(new Date(t), () => 0.5);
  return [
    { series: "solar.raw.pv_array.power", time: t, value: over?.pv ?? sun.pvPower },
    { series: "solar.raw.battery.charging_power", time: t, value: over?.pv !== undefined ? 0 : sun.chargingPower },
    { series: "solar.raw.load.power", time: t, value: sun.loadPower },
    { series: "solar.raw.battery_soc", time: t, value: sun.soc },
    { series: "site.meter.power_w", time: t, value: over?.house ?? householdWatts(t) },
    { series: "heatpump.sensor_reading.electrical.power", time: t, value: over?.house !== undefined ? 15 : hp.electrical.power, tags: { device_id: "site1" } },
  ];
}

let markers = 0;
/**
 * The commands the flow has sent so far, in order: a marker published now on a topic only this test uses reaches
 * the listener after every command Mosquitto already had (the flow's publishes are done once it has them).
 */
async function commandsSoFar(): Promise<typeof commands> {
  const marker = `marker-${++markers}`;
  await listener.publishAsync("heatpump/test-marker/commands", JSON.stringify({ marker }), { qos: 1 });
  await until(() => commands.some((c) => c.body.marker === marker), 5000);
  const upTo = commands.findIndex((c) => c.body.marker === marker);
  return commands.slice(0, upTo).filter((c) => c.topic !== "heatpump/test-marker/commands");
}

/** Writes the readings at `t`, then has the balance sample them, and waits until everything it caused is done. */
async function step(t: number, over?: { pv?: number; house?: number }): Promise<void> {
  await flow.rt.engine.store.writePoints(otherFlowsPoints(t, over));
  await new Promise<void>((resolve, reject) => {
    const accepted = flow.rt.engine.inject("site", "balance", { _msgid: `t${t}`, time: t } as Message, (done) =>
      done.outcome === "ack" ? resolve() : reject(new Error(`balance at ${new Date(t).toISOString()}: ${JSON.stringify(done)}`)),
    );
    if (!accepted) reject(new Error("no site/balance node"));
  });
}

beforeAll(async () => {
  if (!mosquittoAvailable) return;
  broker = await startMosquitto();
  flow = await startShippedFlow(new URL("./site.json", import.meta.url), {
    MQTT_URL: broker.url,
    SITE_INTERVAL: "1h",
    SITE_SURPLUS_RULE: "on",
    SITE_SURPLUS_THRESHOLD: "1000",
    SITE_SURPLUS_HYSTERESIS: "200",
    SITE_SURPLUS_MIN_DURATION: "10m",
  });
  http = flow.http;
  heatpump = await startHeatpumpSimulator({ url: broker.url, deviceId: "site1", interval: 3600, now: () => QUIET, random: () => 0.5 });
  listener = await mqtt.connectAsync(broker.url);
  listener.on("message", (topic, body) => commands.push({ topic, body: JSON.parse(String(body)) as Record<string, unknown> }));
  await listener.subscribeAsync("heatpump/+/commands", { qos: 1 });
}, 30_000);

afterAll(async () => {
  await listener?.endAsync();
  await heatpump?.close();
  await flow?.stop();
  await broker?.close();
});

describe.skipIf(!mosquittoAvailable)("site flow", () => {
  it("closes the balance over a simulated day, and keeps daily and monthly totals that agree with the 5-minute rollups", async () => {
    for (let t = DAY; t <= DAY + 24 * 60 * MIN; t += STEP) await step(t);
    // Readings of the next day and the next month close the day's and the month's windows.
    await step(DAY + 24 * 60 * MIN + STEP);
    await step(Date.parse("2025-07-01T00:00:00Z"));

    const day = await get<{ complete: boolean; energy_wh: Record<string, number> }>("/api/site/summary/?date=2025-06-21");
    expect(day.status).toBe(200);
    expect(day.body.complete).toBe(true);
    const e = day.body.energy_wh;
    const supplied = e.pv! + e.grid_import!;
    const used = e.consumption! + e.grid_export! + e.battery!;
    expect(Math.abs(supplied - used) / supplied).toBeLessThan(0.01);
    // A believable midsummer day: the sun gives about 2.2 kWh, the heat pump only heats water (a few kWh), the house uses more, the battery ends where it started.
    expect(e.pv).toBeGreaterThan(1500);
    expect(e.pv).toBeLessThan(3000);
    expect(e.heatpump).toBeGreaterThan(1000);
    expect(e.heatpump).toBeLessThan(5000);
    expect(e.consumption).toBeGreaterThan(e.pv!);
    expect(e.grid_import).toBeGreaterThan(0);
    expect(Math.abs(e.battery!)).toBeLessThan(0.15 * e.pv!);
    expect(e.self_consumption).toBeCloseTo(e.pv! - e.grid_export!, 0);

    // The 5-minute rollups of the day add up to the day; the month (closed by July's first reading) holds the day.
    const fine = await flow.rt.engine.store.range({ series: "site.energy.pv_energy", from: DAY, to: DAY + 24 * 60 * MIN, tags: { site: "home" } });
    expect(fine).toHaveLength(288);
    expect(Math.abs(fine.reduce((a, p) => a + p.value, 0) - e.pv!) / e.pv!).toBeLessThan(0.001);
    expect((await get("/api/site/today/")).status).toBe(200);
    const month = await get<{ complete: boolean; energy_wh: Record<string, number> }>("/api/site/summary/?month=2025-06");
    expect(month.body.complete).toBe(true);
    expect(Math.abs(month.body.energy_wh.pv! - e.pv!) / e.pv!).toBeLessThan(0.01);
    expect(Math.abs(month.body.energy_wh.consumption! - e.consumption!) / e.consumption!).toBeLessThan(0.01);

    // The contract with the HyperVolt flow: site.* series with the site tag, written at each sample.
    const store = flow.rt.engine.store;
    const noon = Date.parse("2025-06-21T12:00:00Z");
    const at = async (series: string) => (await store.range({ series, from: noon, to: noon + 1, tags: { site: "home" } }))[0]?.value;
    expect(await at("site.pv_power_w")).toBeCloseTo(epeverModel(noon).pvPower, 0);
    expect(await at("site.battery_soc_pct")).toBeCloseTo(epeverModel(noon).soc, 0);
    const surplus = await at("site.surplus_w");
    expect(surplus).toBeCloseTo((await at("site.pv_power_w"))! - (await at("site.consumption_w"))!, 0);
    for (const s of ["site.grid_import_w", "site.grid_export_w", "site.heatpump_power_w"]) expect(await at(s)).toEqual(expect.any(Number));
    // The simulated day never has 1000 W to spare: no command.
    expect(await commandsSoFar()).toEqual([]);
  }, 60_000);

  it("sends each balance to /ws/site/ as it is computed", async () => {
    const ws = new WebSocket(new URL("/ws/site/", http.replace("http", "ws")));
    const frames: Record<string, unknown>[] = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    try {
      await new Promise((r) => ws.once("open", r));
      const t = Date.parse("2025-06-22T12:00:00Z");
      await step(t);
      await until(() => frames.length >= 1, 3000);
      expect(frames[0]).toMatchObject({ site: "home", timestamp: new Date(t).toISOString(), pv_power_w: expect.any(Number), surplus_w: expect.any(Number), missing: [] });
    } finally {
      ws.close();
    }
  });

  it("answers the summary only for a real date or month, from the rollups", async () => {
    for (const q of ["", "?date=2025-02-30", "?date=21-06-2025", "?month=2025-13", "?date=2025-06-21&month=2025-06"]) {
      const res = await get<{ detail: string }>(`/api/site/summary/${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.detail, q).toMatch(/date|month/);
    }
    expect((await get("/api/site/summary/?date=2030-01-01")).status).toBe(404);
  });

  it("a surplus window sends one boost to the heat pump over MQTT, recorded with its reason, and the heat pump runs", async () => {
    expect((await heatpump.publishReading()).compressor.running).toBe(false);
    const start = Date.parse("2025-06-23T11:50:00Z");
    // 40 minutes of 2.4 kW of sun over a 300 W house (one dip to 950 W surplus, within the hysteresis), then clouds.
    for (let m = 0; m <= 60; m += 1) {
      const t = start + m * MIN;
      const pv = m < 10 || m >= 50 ? 200 : m === 20 ? 1300 : 2400;
      await step(t, { pv, house: 300 });
    }
    const sent = await commandsSoFar();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: "heatpump/site1/commands", body: { command: "boost", minutes: 30 } });
    expect(sent[0]!.body.reason).toMatch(/surplus above 1000 W for 10 min/);

    const records = await flow.rt.engine.store.records.query({ collection: "site.actions" });
    expect(records.count).toBe(1);
    expect(records.records[0]).toMatchObject({ time: start + 20 * MIN, tags: { device_id: "site1", action: "command" }, body: { action: "command", surplus_w: expect.any(Number) } });
    expect((records.records[0]!.body as { reason: string }).reason).toMatch(/command 1 of 2 today/);
    await until(async () => (await heatpump.publishReading()).compressor.running, 5000);
  }, 30_000);

  it("refuses a link to a flow or node that does not exist, naming it", async () => {
    const outcome = await flow.rt.manager.deploy({
      flowId: "probe",
      flow: {
        format: "wattflow/flow@1",
        id: "probe",
        nodes: [
          { id: "to-site", type: "link-out", config: { links: ["site/balance-in"] }, position: { x: 0, y: 0 } },
          { id: "to-nowhere", type: "link-out", config: { links: ["nowhere/in"] }, position: { x: 0, y: 80 } },
        ],
      },
    });
    expect(outcome.ok).toBe(false);
    const errors = outcome.ok ? [] : "errors" in outcome ? outcome.errors : [];
    expect(errors.map((i) => [i.flowId, i.nodeId, i.pointer])).toEqual([
      ["probe", "to-site", "/nodes/0/config/links/0"],
      ["probe", "to-nowhere", "/nodes/1/config/links/0"],
    ]);
    expect(errors[0]!.message).toMatch(/"site\/balance-in".*flow "site" has no node "balance-in"/);
    expect(errors[1]!.message).toMatch(/"nowhere\/in".*no flow "nowhere"/);
    expect(flow.rt.engine.flowIds()).not.toContain("probe");
  });
});
