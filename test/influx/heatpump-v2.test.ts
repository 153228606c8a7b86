/**
 * The shipped heat pump flow with its default InfluxDB path, v2, against a
 * local server speaking InfluxDB 2.x's documented write API (no 2.x server
 * can be installed here; see test/fakes/influxdb-v2.ts): readings and alerts
 * arrive as points in the bucket, and a refused token keeps points waiting
 * until the token is accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { startShippedFlow, until, type ShippedFlow } from "../shipped-flow.js";
import { startHeatpumpSimulator, type RunningHeatpumpSimulator } from "../../packages/nodes/src/heatpump/simulator.js";
import { freePort } from "../services/ports.js";
import { startFakeInfluxV2, type FakeInfluxV2 } from "../fakes/influxdb-v2.js";

const TOKEN = "hp-write-token-0123456789";
let influx: FakeInfluxV2;
let flow: ShippedFlow;
let sim: RunningHeatpumpSimulator;
let device: MqttClient;

const health = async (): Promise<{ status: number; body: { checks: { influxdb: { status: string; detail?: string } } } }> => {
  const res = await fetch(new URL("/api/health", flow.http));
  return { status: res.status, body: (await res.json()) as { checks: { influxdb: { status: string; detail?: string } } } };
};

beforeAll(async () => {
  // The flow's defaults: INFLUX_VERSION v2, org "heatpump", bucket "sensor_data".
  influx = await startFakeInfluxV2({ org: "heatpump", bucket: "sensor_data", token: TOKEN });
  const port = String(await freePort());
  flow = await startShippedFlow(new URL("../../flows/heatpump.json", import.meta.url), {
    MQTT_PORT: port,
    MQTT_WS_PORT: "off",
    INFLUX_URL: influx.url,
    INFLUX_TOKEN: TOKEN,
    HEATPUMP_MAX_OUTLET_C: "40",
  });
  sim = await startHeatpumpSimulator({ url: `mqtt://127.0.0.1:${port}`, deviceId: "site1", interval: 3600 });
  device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
}, 30_000);

afterAll(async () => {
  await sim?.close();
  await device?.endAsync();
  await flow?.stop();
  await influx?.close();
});

describe("heat pump flow → InfluxDB 2.x write API", () => {
  it("writes each reading to the bucket as sensor_reading, tagged by device, at the reading's time, and a threshold alert as alert", async () => {
    const sent = await sim.publishReading();
    await until(() => influx.points.some((p) => p.measurement === "sensor_reading" && p.time === Date.parse(sent.timestamp)), 10_000, "the reading in InfluxDB");
    const point = influx.points.find((p) => p.measurement === "sensor_reading" && p.time === Date.parse(sent.timestamp))!;
    expect(point).toMatchObject({ org: "heatpump", bucket: "sensor_data", tags: { device_id: "site1" } });
    expect(point.fields).toMatchObject({
      "temperature.inlet": sent.temperature.inlet,
      "temperature.outlet": sent.temperature.outlet,
      "electrical.power": sent.electrical.power,
      "compressor.running": sent.compressor.running,
      cop: sent.cop,
    });
    // Every write went through: nothing refused by the server.
    expect(influx.writes.every((w) => w.status === 204)).toBe(true);

    await device.publishAsync("heatpump/hot2/data", JSON.stringify({ timestamp: new Date().toISOString(), temperature: { inlet: 50, outlet: 71 } }), { qos: 1 });
    await until(() => influx.points.some((p) => p.measurement === "alert" && p.tags.device_id === "hot2"), 10_000, "the alert in InfluxDB");
    const alert = influx.points.find((p) => p.measurement === "alert" && p.tags.device_id === "hot2")!;
    expect(alert.tags).toMatchObject({ severity: expect.any(String), type: expect.any(String) });
    expect(typeof alert.fields.message).toBe("string");
    expect((await health()).body.checks.influxdb.status).toBe("up");
  });

  it("a refused token (401) keeps the points waiting in the outbox; once the token is accepted they are written", async () => {
    influx.token = "rotated-token";
    const refusedBefore = influx.writes.filter((w) => w.status === 401).length;
    const sent = await sim.publishReading();
    await until(() => influx.writes.filter((w) => w.status === 401).length > refusedBefore, 10_000, "a refused write");
    expect(influx.points.some((p) => p.time === Date.parse(sent.timestamp))).toBe(false);
    await until(async () => (await health()).status === 503, 10_000, "health to report the refusal");
    expect((await health()).body.checks.influxdb.status).toBe("down");

    influx.token = TOKEN;
    await until(() => influx.points.some((p) => p.measurement === "sensor_reading" && p.time === Date.parse(sent.timestamp)), 15_000, "the held reading in InfluxDB");
    await until(async () => (await health()).status === 200, 15_000, "health to recover");
  }, 40_000);
});
