/**
 * Contract tests of flows/heatpump.json against the heat pump monitor's
 * documented topics, endpoints and WebSocket, on the embedded broker, with
 * the heat pump simulator as the device.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import mqtt, { type MqttClient } from "mqtt";
import { startShippedFlow, until, type ShippedFlow } from "../test/shipped-flow.js";
import { startHeatpumpSimulator, type RunningHeatpumpSimulator } from "../packages/nodes/src/heatpump/simulator.js";
import { freePort } from "../test/services/ports.js";
import { startInfluxd, influxdAvailable, type Influxd } from "../test/services/influxd.js";

let flow: ShippedFlow;
let http: string;
let sim: RunningHeatpumpSimulator;
let device: MqttClient;
let influx: Influxd | undefined;
const env: Record<string, string> = { MQTT_PORT: "", MQTT_WS_PORT: "off", HEATPUMP_OFFLINE_AFTER: "2", HEATPUMP_CHECK_INTERVAL: "200ms" };

const get = async <T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(new URL(path, http));
  const text = await res.text();
  return { status: res.status, body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T };
};

beforeAll(async () => {
  env.MQTT_PORT = String(await freePort());
  // With influxd installed the flow also writes to InfluxDB (1.x API), as deployments with INFLUX_URL do.
  if (influxdAvailable) {
    influx = await startInfluxd();
    await influx.query("heatpump", "CREATE DATABASE heatpump");
    Object.assign(env, { INFLUX_URL: influx.url, INFLUX_VERSION: "v1", INFLUX_DATABASE: "heatpump" });
  }
  flow = await startShippedFlow(new URL("./heatpump.json", import.meta.url), env);
  http = flow.http;
  const url = `mqtt://127.0.0.1:${env.MQTT_PORT}`;
  sim = await startHeatpumpSimulator({ url, deviceId: "site1", interval: 3600 });
  device = await mqtt.connectAsync(url);
  await until(async () => (await get<{ count: number }>("/api/devices")).body.count === 1);
}, 30_000);

afterAll(async () => {
  await sim?.close();
  await device?.endAsync();
  await flow?.stop();
  await influx?.close();
});

describe("devices and readings", () => {
  it("lists the device, online, with its status topics", async () => {
    const { body } = await get<{ count: number; devices: Record<string, unknown>[] }>("/api/devices");
    expect(body.devices[0]).toMatchObject({ device_id: "site1", online: true, status: { state: "online", firmware: { version: "1.4.2" } } });
    const status = await get("/api/devices/site1/status");
    expect(status.body).toMatchObject({ device_id: "site1", online: true });
    expect((await get("/api/devices/nope/status")).status).toBe(404);
  });

  it("serves the latest reading as the device sent it, and readings over a time range", async () => {
    const sent = await sim.publishReading();
    await until(async () => (await get<{ timestamp: string }>("/api/devices/site1/readings/latest")).body.timestamp === sent.timestamp);
    const latest = (await get("/api/devices/site1/readings/latest")).body;
    expect(latest).toEqual({ ...sent, device_id: "site1" });
    await until(async () => (await get<{ count: number }>("/api/devices/site1/readings")).body.count >= 2);
    const range = await get<{ device_id: string; count: number; readings: Record<string, unknown>[] }>("/api/devices/site1/readings?hours=1&limit=1");
    expect(range.body.count).toBe(1);
    expect(range.body.readings[0]).toMatchObject({ timestamp: sent.timestamp, device_id: "site1", temperature: sent.temperature, electrical: sent.electrical });
    const before = await get<{ count: number }>(`/api/devices/site1/readings?start=2020-01-01T00:00:00Z&end=2020-01-02T00:00:00Z`);
    expect(before.body.count).toBe(0);
    expect((await get("/api/devices/site1/readings?start=soon")).status).toBe(400);
  });

  it("the seed's test message is accepted; a broken one is counted and nothing else is lost", async () => {
    await device.publishAsync("heatpump/test/data", '{"temperature":{"inlet":45},"electrical":{"voltage":230}}', { qos: 1 });
    await device.publishAsync("heatpump/test/data", "{broken", { qos: 1 });
    await device.publishAsync("heatpump/test/data", "[1,2]", { qos: 1 });
    await until(async () => (await get("/api/devices/test/readings/latest")).status === 200);
    expect((await get("/api/devices/test/readings/latest")).body).toMatchObject({ device_id: "test", temperature: { inlet: 45 }, electrical: { voltage: 230 } });
    const stats = (await get<Record<string, number>>("/api/stats")).body;
    expect(stats).toMatchObject({ total_devices: 2 });
    // All three arrived and only the one that is not JSON was refused (read after the wait, not before it).
    const dataIn = () => flow.rt.engine.statuses().find((s) => s.nodeId === "data-in")?.status?.text ?? "";
    await until(() => /refused/.test(dataIn()), 5000);
    await until(() => /: 3 in,/.test(dataIn()), 5000);
    expect(dataIn()).toMatch(/: 3 in, 1 refused/);
  });
});

describe("alerts, health and live updates", () => {
  it("raises a threshold alert once, records device alerts, and broadcasts both on /ws", async () => {
    const ws = new WebSocket(new URL("/ws", http.replace("http", "ws")));
    const frames: { type: string; device_id: string; data: Record<string, unknown> }[] = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once("open", r));
    const hot = { temperature: { inlet: 50, outlet: 71 }, electrical: { voltage: 231 } };
    await device.publishAsync("heatpump/hot1/data", JSON.stringify(hot), { qos: 1 });
    await device.publishAsync("heatpump/hot1/data", JSON.stringify(hot), { qos: 1 });
    await device.publishAsync("heatpump/hot1/alerts", JSON.stringify({ type: "defrost_failed", severity: "critical", message: "defrost cycle failed" }), { qos: 1 });
    await until(async () => (await get<{ total: number }>("/api/alerts?device_id=hot1")).body.total === 2);
    const { body } = await get<{ alerts: Record<string, unknown>[] }>("/api/alerts?device_id=hot1");
    expect(body.alerts.map((a) => [a.type, a.severity, a.source])).toEqual([
      ["defrost_failed", "critical", "device"],
      ["high_outlet_temperature", "critical", "rule"],
    ]);
    await until(() => frames.filter((f) => f.type === "alert").length === 2);
    expect(frames.find((f) => f.type === "sensor_data")).toMatchObject({ device_id: "hot1", data: { temperature: { outlet: 71 } } });
    expect((await get("/api/alerts?limit=0")).status).toBe(422);
    ws.close();
  });

  it("marks a silent device offline and says so", async () => {
    await device.publishAsync("heatpump/quiet/data", JSON.stringify({ temperature: { inlet: 40 } }), { qos: 1 });
    await until(async () => (await get<{ online: boolean }>("/api/devices/quiet/status")).body.online === true);
    await until(async () => (await get<{ online: boolean }>("/api/devices/quiet/status")).body.online === false, 8000);
    await until(async () => (await get<{ alerts: { type: string }[] }>("/api/alerts?device_id=quiet")).body.alerts.some((a) => a.type === "device_offline"), 3000);
  });

  it("reports store and broker health, statistics and API information", async () => {
    const health = await get<Record<string, unknown>>("/api/health");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: "healthy",
      services: { store: "ok", mqtt: "connected", influxdb: influx ? "ok" : expect.stringMatching(/^not configured/) },
      checks: { store: { status: "up" }, mqtt: { status: "up", reconnects: 0 }, influxdb: { status: influx ? "up" : "off" } },
    });
    const stats = (await get<Record<string, number>>("/api/stats")).body;
    expect(stats.total_readings).toBeGreaterThanOrEqual(3);
    expect((await get("/")).body).toMatchObject({ name: "Heat Pump Monitor API" });
  });

  it("documents its endpoints with OpenAPI, and a docs page", async () => {
    const spec = (await get<{ paths: Record<string, Record<string, { summary?: string }>> }>("/openapi.json")).body;
    expect(spec.paths["/api/devices/{device_id}/readings"]?.get?.summary).toMatch(/^Historical readings/);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/", "/api/health", "/api/stats", "/api/devices", "/api/devices/{device_id}/status", "/api/devices/{device_id}/readings/latest", "/api/alerts"]));
    expect((await get<string>("/docs")).body).toContain("Heat Pump Monitor API");
  });

  it("serves the dashboard page", async () => {
    const page = await get<string>("/dashboard/");
    expect(page.status).toBe(200);
    expect(page.body).toContain("<title>Heat pump monitor</title>");
    expect(page.body).toContain('/ws');
  });
});

describe("bounds", () => {
  it("stores only the heat pump's named fields, however many keys a device sends", async () => {
    const keys = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${Math.random().toString(36).slice(2)}_${i}`, i]));
    for (let i = 0; i < 28; i++) {
      await device.publishAsync("heatpump/flood/data", JSON.stringify({ temperature: { inlet: 40 + i }, cop: 3, ...keys(2000) }), { qos: 1 });
    }
    await until(async () => (await get<{ total: number }>("/api/devices/flood/readings?hours=1&limit=1")).body.total === 28);
    const { body } = await get<{ readings: Record<string, unknown>[] }>("/api/devices/flood/readings?hours=1&limit=1000");
    const stored = new Set(body.readings.flatMap((r) => Object.keys(r)));
    expect([...stored].sort()).toEqual(["cop", "device_id", "temperature", "timestamp"]);
  });

  it("keeps booleans and strings in the readings listing as the device sent them", async () => {
    const timestamp = new Date(Date.now() - 30_000).toISOString();
    await device.publishAsync("heatpump/typed/data", JSON.stringify({ timestamp, mode: "heating", compressor: { running: true, frequency: 42 }, cop: 3.2 }), { qos: 1 });
    await until(async () => (await get<{ count: number }>("/api/devices/typed/readings?hours=1")).body.count === 1);
    const { body } = await get<{ readings: Record<string, unknown>[] }>("/api/devices/typed/readings?hours=1");
    expect(body.readings[0]).toEqual({ timestamp, device_id: "typed", mode: "heating", compressor: { running: true, frequency: 42 }, cop: 3.2 });
  });
});

describe.skipIf(!influxdAvailable)("health and metrics while InfluxDB is away", () => {
  const metrics = async (): Promise<string> => (await fetch(new URL("metrics", flow.rt.adminUrl))).text();
  const sample = (text: string, name: string, labels: string): number | undefined => {
    const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((p) => l.includes(p)));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
  };

  it("answers 503 with the reason while influxd is stopped, shows the outbox and the errors on /metrics, and 200 once it is back", async () => {
    expect((await get("/api/health")).status).toBe(200);
    await influx!.stop();
    try {
      await sim.publishReading();
      await until(async () => (await get("/api/health")).status === 503, 10_000);
      const down = await get<{ status: string; services: Record<string, string>; checks: { influxdb: { status: string; detail: string; outboxes: { name: string; depth: number }[] } } }>("/api/health");
      expect(down.body.status).toBe("degraded");
      // A write caught while influxd shuts down gets its HTTP 500 rather than a refused connection: either is "away".
      expect(down.body.checks.influxdb).toMatchObject({ status: "down", detail: expect.stringMatching(/^away: .*(unreachable|HTTP 5\d\d)/) });
      expect(down.body.services.influxdb).toMatch(/^down: away/);
      await until(async () => (await get<typeof down.body>("/api/health")).body.checks.influxdb.outboxes.some((o) => o.name === "influx:heatpump/influx-reading" && o.depth > 0), 10_000);

      const text = await metrics();
      expect(sample(text, "wattflow_outbox_depth", 'outbox="influx:heatpump/influx-reading"')).toBeGreaterThan(0);
      expect(sample(text, "wattflow_outbox_oldest_seconds", 'outbox="influx:heatpump/influx-reading"')).toBeGreaterThanOrEqual(0);
      expect(sample(text, "wattflow_node_errors_total", 'node="influx-reading"')).toBeGreaterThan(0);
      expect(sample(text, "wattflow_connection_up", 'connection="influx"')).toBe(0);
      expect(sample(text, "wattflow_connection_up", 'connection="broker"')).toBe(1);
      expect(sample(text, "wattflow_connection_reconnects_total", 'connection="broker"')).toBe(0);
      // The payload that was not JSON, published earlier, was refused by mqtt-in and counted.
      expect(sample(text, "wattflow_node_rejected_total", 'node="data-in"')).toBe(1);
      expect(sample(text, "wattflow_node_queue_depth", 'node="influx-reading"')).toBe(0);
    } finally {
      await influx!.start();
    }
    await until(async () => (await get("/api/health")).status === 200, 15_000);
    // Health is back as soon as influxd answers; the outbox then drains (its series goes once empty).
    await until(async () => sample(await metrics(), "wattflow_outbox_depth", 'outbox="influx:heatpump/influx-reading"') === undefined, 15_000);
    const text = await metrics();
    expect(sample(text, "wattflow_outbox_depth", 'outbox="influx:heatpump/influx-reading"')).toBeUndefined();
    expect(sample(text, "wattflow_connection_up", 'connection="influx"')).toBe(1);
    const written = await influx!.query("heatpump", "SELECT count(cop) FROM sensor_reading WHERE device_id = 'site1'");
    expect(written.results[0]?.series?.[0]?.values[0]?.[1]).toBeGreaterThanOrEqual(3);
  });
});
