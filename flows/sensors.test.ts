/**
 * Contract tests of flows/sensors.json against HyperVolt's data pipeline:
 * its MQTT topics and payloads, REST endpoints and WebSocket, on the
 * embedded broker; Electricity Maps and OpenWeatherMap are local servers
 * speaking their documented APIs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import mqtt, { type MqttClient } from "mqtt";
import { startShippedFlow, until, type ShippedFlow } from "../test/shipped-flow.js";
import { freePort } from "../test/services/ports.js";

let flow: ShippedFlow;
let http: string;
let pi: MqttClient;
let apis: Server;
const calls: { path: string; headers: Record<string, string | string[] | undefined> }[] = [];
const TOKEN = "sensors-test-token-0123456789";
const env: Record<string, string> = { SENSORS_API_TOKEN: TOKEN, MQTT_WS_PORT: "off", ELECTRICITY_MAPS_API_KEY: "em-key", OPENWEATHER_API_KEY: "ow-key", LOCATION_ZONE: "IN-KA", GRID_FETCH_INTERVAL: "1h" };

/** Calls the flow; requests that change something carry the token unless `token` says otherwise. */
const call = async <T = unknown>(method: string, path: string, body?: unknown, token: string | null = method === "GET" ? null : TOKEN): Promise<{ status: number; body: T }> => {
  const headers = { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(new URL(path, http), { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
};
const get = <T = unknown>(path: string) => call<T>("GET", path);
// Half an hour ago, in whole seconds and written as a sensor writes it: inside every "last N hours" query below, whatever the date.
const READ_AT = new Date(Math.floor((Date.now() - 30 * 60_000) / 1000) * 1000).toISOString().replace(".000Z", "Z");
const reading = (o: Record<string, unknown> = {}) => ({ sensor_type: "ldr", sensor_id: "ldr_1", value: 750, unit: "lux", location: "living_room", timestamp: READ_AT, ...o });

beforeAll(async () => {
  apis = createServer((req, res) => {
    calls.push({ path: req.url ?? "", headers: req.headers });
    const url = new URL(req.url ?? "/", "http://x");
    res.setHeader("content-type", "application/json");
    if (url.pathname === "/v3/carbon-intensity/latest") {
      if (req.headers["auth-token"] !== "em-key") return res.writeHead(401).end(JSON.stringify({ message: "invalid token" }));
      return res.end(JSON.stringify({ zone: url.searchParams.get("zone"), carbonIntensity: 612, datetime: new Date().toISOString(), updatedAt: new Date().toISOString(), isEstimated: true }));
    }
    if (url.pathname === "/data/2.5/weather" && url.searchParams.get("appid") === "ow-key") {
      return res.end(JSON.stringify({ main: { temp: 27.4, humidity: 61, pressure: 1012 }, clouds: { all: 40 }, wind: { speed: 3.1 }, weather: [{ main: "Clouds", description: "scattered clouds" }], dt: Math.floor(Date.now() / 1000), name: "Bengaluru" }));
    }
    res.writeHead(404).end("{}");
  });
  await new Promise<void>((r) => apis.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(apis.address() as AddressInfo).port}`;
  Object.assign(env, { MQTT_PORT: String(await freePort()), ELECTRICITY_MAPS_URL: base, OPENWEATHER_URL: base });
  flow = await startShippedFlow(new URL("./sensors.json", import.meta.url), env);
  http = flow.http;
  pi = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`);
}, 30_000);

afterAll(async () => {
  await pi?.endAsync();
  await flow?.stop();
  apis?.close();
});

describe("sensor data", () => {
  it("takes the documented payload, stores it, serves it and broadcasts {type: sensor_update, data}", async () => {
    const ws = new WebSocket(new URL("/ws/sensors/", http.replace("http", "ws")));
    const frames: unknown[] = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once("open", r));
    await pi.publishAsync("HyperVolt/sensors/living_room/ldr", JSON.stringify(reading()), { qos: 1 });
    await until(() => frames.length === 1);
    expect(frames[0]).toEqual({ type: "sensor_update", data: reading() });
    ws.close();
    await until(async () => (await get<{ count: number }>("/api/sensor-readings/?hours=1")).body.count === 1);
    const list = await get<{ count: number; next: null; previous: null; results: unknown[] }>("/api/sensor-readings/?hours=1");
    expect(list.body).toEqual({ count: 1, next: null, previous: null, results: [reading()] });
    expect((await get("/api/sensor-readings/latest/")).body).toEqual([reading()]);
  });

  it("enriches what a sensor leaves out from the topic, and refuses what is invalid", async () => {
    await pi.publishAsync("HyperVolt/sensors/kitchen/temperature", JSON.stringify({ sensor_id: "t_1", value: 21.5 }), { qos: 1 });
    await pi.publishAsync("HyperVolt/sensors/kitchen/temperature", JSON.stringify({ sensor_id: "t_1", value: "hot" }), { qos: 1 });
    await pi.publishAsync("HyperVolt/sensors/kitchen/temperature", "not json", { qos: 1 });
    await pi.publishAsync("HyperVolt/sensors/kitchen/temperature", JSON.stringify({ sensor_id: "t_1", location: "hall", value: 19 }), { qos: 1 });
    await until(async () => (await get<{ sensor_id: string }[]>("/api/sensor-readings/latest/")).body.some((r) => r.sensor_id === "t_1"));
    const latest = (await get<Record<string, unknown>[]>("/api/sensor-readings/latest/")).body.find((r) => r.sensor_id === "t_1");
    expect(latest).toMatchObject({ sensor_type: "temperature", location: "kitchen", value: 21.5, unit: "celsius" });
    // The validate node counts what it refused; the reading goes to the log at warn, and no further.
    await until(() => /· 1 invalid/.test(flow.rt.engine.statuses().find((s) => s.nodeId === "check")?.status?.text ?? ""));
    // A payload naming another location than its topic is refused too: both reach the log of rejected readings.
    await until(() => flow.rt.engine.statuses().find((s) => s.nodeId === "rejected")?.status?.text === "2");
    await until(() => /1 refused/.test(flow.rt.engine.statuses().find((s) => s.nodeId === "sensors-in")?.status?.text ?? ""));
  });

  it("keeps the last 60 readings of each sensor in the hot path, oldest first", async () => {
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < 65; i++) {
      await pi.publishAsync("HyperVolt/sensors/hall/pir", JSON.stringify({ sensor_id: "pir_1", value: i % 2, timestamp: new Date(t0 + i * 1000).toISOString() }), { qos: 1 });
    }
    await until(async () => (await get<{ count: number }>("/api/sensor-readings/buffer/?sensor_type=pir&sensor_id=pir_1")).body.count === 60);
    await until(async () => (await get<{ buffer: { value: number }[] }>("/api/sensor-readings/buffer/?sensor_type=pir&sensor_id=pir_1")).body.buffer.length === 60);
    const buffer = (await get<{ buffer: { value: number; timestamp: string }[] }>("/api/sensor-readings/buffer/?sensor_type=pir&sensor_id=pir_1")).body.buffer;
    expect(buffer.map((r) => r.value)).toEqual(Array.from({ length: 60 }, (_, i) => (i + 5) % 2));
    expect((await get("/api/sensor-readings/buffer/?sensor_type=pir")).status).toBe(400);
    const page = await get<{ count: number; next: string; results: unknown[] }>("/api/sensor-readings/?sensor_type=pir&page_size=50");
    expect(page.body.count).toBe(65);
    expect(page.body.results).toHaveLength(50);
    // Absolute, as DRF's pagination writes its links.
    expect(page.body.next).toBe(new URL("/api/sensor-readings/?page=2&page_size=50&sensor_type=pir", http).href);
    expect((await get<unknown[]>("/api/sensor-readings/recent/?hours=2")).body.length).toBeGreaterThanOrEqual(66);
  });

  it("takes a PIR reading of true or false and serves it back as a boolean", async () => {
    const t0 = Date.now() - 60_000;
    for (const [i, value] of [true, false].entries()) {
      await pi.publishAsync("HyperVolt/sensors/hall/pir", JSON.stringify({ sensor_id: "pir_2", value, timestamp: new Date(t0 + i * 1000).toISOString() }), { qos: 1 });
    }
    const path = "/api/sensor-readings/?sensor_type=pir&sensor_id=pir_2&hours=1";
    await until(async () => (await get<{ count: number }>(path)).body.count === 2);
    expect((await get<{ results: { value: unknown; unit: string }[] }>(path)).body.results.map((r) => [r.value, r.unit])).toEqual([
      [false, "boolean"],
      [true, "boolean"],
    ]);
    const buffer = (await get<{ buffer: { value: unknown }[] }>("/api/sensor-readings/buffer/?sensor_type=pir&sensor_id=pir_2")).body.buffer;
    expect(buffer.map((r) => r.value)).toEqual([true, false]);
  });
});

describe("grid data", () => {
  it("fetches carbon intensity and weather with the keys from the environment", async () => {
    await until(async () => (await get<{ carbon_intensity: unknown; weather: unknown }>("/api/grid-data/latest/")).body.weather !== null && (await get<{ carbon_intensity: unknown }>("/api/grid-data/latest/")).body.carbon_intensity !== null);
    const latest = (await get<Record<string, Record<string, unknown>>>("/api/grid-data/latest/")).body;
    expect(latest.carbon_intensity).toMatchObject({ data_type: "carbon_intensity", value: 612, unit: "gCO2eq/kWh", zone: "IN-KA" });
    expect(latest.weather).toMatchObject({ data_type: "weather", value: 27.4, metadata: { humidity: 61, description: "scattered clouds" } });
    expect(calls.find((c) => c.path.startsWith("/v3/"))!.headers["auth-token"]).toBe("em-key");
    expect((await get<unknown[]>("/api/grid-data/carbon_intensity/?hours=24")).body).toHaveLength(1);
    const grid = (await get<{ count: number; results: Record<string, unknown>[] }>("/api/grid-data/")).body;
    expect(grid.count).toBe(2);
    // Kept as records: each has an id and the time it was received, and filters by type.
    expect(grid.results.map((g) => [typeof g.id, typeof g.created_at])).toEqual([["number", "string"], ["number", "string"]]);
    expect((await get<{ results: { data_type: string }[] }>("/api/grid-data/?data_type=weather")).body.results.map((g) => g.data_type)).toEqual(["weather"]);
    expect((await get("/api/grid-data/weather/?hours=x")).status).toBe(400);
  });
});

describe("preferences, AI decisions, energy sources and commands", () => {
  it("creates, reads and updates preferences", async () => {
    expect((await call("POST", "/api/preferences/", { key: "brightness_threshold", value: 300 })).status).toBe(201);
    expect((await call("POST", "/api/preferences/", { key: "brightness_threshold", value: 1 })).status).toBe(400);
    expect((await call("PUT", "/api/preferences/brightness_threshold/", { value: 350 })).body).toMatchObject({ key: "brightness_threshold", value: 350 });
    expect((await get("/api/preferences/get_preference/?key=brightness_threshold")).body).toMatchObject({ value: 350 });
    expect((await get("/api/preferences/get_preference/?key=nope")).status).toBe(404);
    expect((await call("PUT", "/api/preferences/nope/", { value: 1 })).status).toBe(404);
    expect((await get("/api/preferences/get_preference/")).status).toBe(400);
    // Kept as records by key: listed by key, booleans and strings as sent.
    expect((await call("POST", "/api/preferences/", { key: "away_mode", value: true, description: "nobody home" })).status).toBe(201);
    expect((await call("POST", "/api/preferences/", { key: "wake_at", value: "07:00" })).status).toBe(201);
    const list = (await get<{ key: string; value: unknown; description: string }[]>("/api/preferences/")).body;
    expect(list.map((p) => [p.key, p.value, p.description])).toEqual([["away_mode", true, "nobody home"], ["brightness_threshold", 350, ""], ["wake_at", "07:00", ""]]);
  });

  it("records AI decisions and publishes their command on HyperVolt/commands/{device_id}", async () => {
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`);
    await device.subscribeAsync("HyperVolt/commands/#", { qos: 1 });
    const got = new Promise<[string, Record<string, unknown>]>((r) => device.once("message", (t, p) => r([t, JSON.parse(String(p))])));
    const created = await call<{ id: number }>("POST", "/api/ai-decisions/", { decision_type: "source_switch", recommended_source: "solar", confidence: 0.9, reasoning: "sunny", command: { device_id: "pi-1", command: "set_brightness", value: 75 } });
    expect(created.status).toBe(201);
    const [topic, payload] = await got;
    expect(topic).toBe("HyperVolt/commands/pi-1");
    expect(payload).toMatchObject({ command: "set_brightness", value: 75, timestamp: expect.any(String) });
    await device.endAsync();
    expect((await get<{ results: unknown[] }>("/api/commands/?device_id=pi-1")).body.results).toMatchObject([{ device_id: "pi-1", command: "set_brightness", value: 75 }]);
    expect((await get<unknown[]>("/api/ai-decisions/recent/?hours=24")).body).toHaveLength(1);
    const decisions = (await get<{ count: number; results: { id: number; decision_type: string }[] }>("/api/ai-decisions/")).body;
    expect(decisions.count).toBe(1);
    expect(decisions.results[0]).toMatchObject({ id: created.body.id, decision_type: "source_switch", recommended_source: "solar", confidence: 0.9 });
    // Kept with what it was based on: with no balance from the site, the sources as set.
    expect(decisions.results[0]).toMatchObject({ inputs: { energy_sources: { site: "home", basis: "settings", readings: { surplus_w: null, battery_soc_pct: null } } } });
    expect((await call("POST", "/api/ai-decisions/", { confidence: 3 })).body).toEqual({ decision_type: ["This field is required."], confidence: ["Ensure this value is between 0 and 1."] });
  });

  it("refuses every request that changes something without the token, and publishes nothing", async () => {
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`);
    const published: string[] = [];
    device.on("message", (topic, payload) => published.push(`${topic} ${String((JSON.parse(String(payload)) as { value: unknown }).value)}`));
    await device.subscribeAsync("HyperVolt/commands/#", { qos: 1 });
    const command = { device_id: "main_breaker", command: "switch", value: "off" };
    const changes: [string, string, unknown][] = [
      ["POST", "/api/commands/", command],
      ["POST", "/api/ai-decisions/", { decision_type: "source_switch", recommended_source: "grid", confidence: 0.9, reasoning: "x", command }],
      ["POST", "/api/preferences/", { key: "sneaky", value: 1 }],
      ["PUT", "/api/preferences/brightness_threshold/", { value: 1 }],
      ["PUT", "/api/energy-sources/1/", { is_available: false }],
    ];
    for (const [method, path, body] of changes) {
      expect((await call(method, path, body, null)).status, `${method} ${path}`).toBe(401);
      expect((await call(method, path, body, "wrong-token-0123456789")).status, `${method} ${path} with a wrong token`).toBe(401);
    }
    // The accepted command differs from the refused ones and comes after them: over the flow's one ordered
    // MQTT connection, anything a refused request had published would have arrived before it.
    expect((await call("POST", "/api/commands/", { ...command, value: "on" })).status).toBe(202);
    await until(() => published.includes("HyperVolt/commands/main_breaker on"));
    expect(published).toEqual(["HyperVolt/commands/main_breaker on"]);
    // Every command sent is kept, and only those.
    const kept = (await get<{ count: number; results: Record<string, unknown>[] }>("/api/commands/?device_id=main_breaker")).body;
    expect(kept.count).toBe(1);
    expect(kept.results[0]).toMatchObject({ device_id: "main_breaker", command: "switch", value: "on", timestamp: expect.any(String) });
    await device.endAsync();
  });

  it("lists energy sources, filters the available ones and updates one", async () => {
    expect((await get<unknown[]>("/api/energy-sources/")).body).toHaveLength(3);
    expect((await call("PUT", "/api/energy-sources/1/", { is_available: false })).body).toMatchObject({ name: "grid", is_available: false });
    expect((await get<{ name: string }[]>("/api/energy-sources/available/")).body.map((s) => s.name)).toEqual(["solar", "battery"]);
    // The household's sources are created once: seeding again (as after a restart) keeps what was changed.
    const gate = () => flow.rt.engine.stats().find((st) => st.flowId === "sensors" && st.nodeId === "sources-new")!;
    const { received, sent } = gate();
    expect(await flow.rt.engine.trigger("sensors", "sources-start")).toBe(true);
    // The three sources passed the "new?" switch, which let none through to the write.
    await until(() => gate().received === received + 3 && gate().queued === 0 && gate().inFlight === 0);
    expect(gate().sent).toEqual(sent);
    expect((await get<{ name: string; is_available: boolean }[]>("/api/energy-sources/")).body.map((s) => [s.name, s.is_available])).toEqual([["grid", false], ["solar", true], ["battery", true]]);
    expect((await call("PUT", "/api/energy-sources/9/", { is_available: false })).status).toBe(404);
    expect((await call("PUT", "/api/energy-sources/2/", { priority: "high" })).status).toBe(400);
  });

  it("makes sources available from the site balance, and keeps that with each decision", async () => {
    // What the site flow writes for site "home" (grid was switched off above: the balance decides now).
    const balance = (surplus: number, surplusAgo: number, soc: number) =>
      flow.rt.engine.store.writePoints([
        { series: "site.surplus_w", time: Date.now() - surplusAgo, value: surplus, tags: { site: "home" } },
        { series: "site.battery_soc_pct", time: Date.now() - 1000, value: soc, tags: { site: "home" } },
        { series: "site.surplus_w", time: Date.now(), value: 5000, tags: { site: "elsewhere" } },
      ]);
    const available = async () => (await get<{ name: string; is_available: boolean }[]>("/api/energy-sources/available/")).body;
    await balance(900, 6 * 60_000, 19);
    expect((await available()).map((s) => s.name)).toEqual(["grid"]);
    await balance(1500, 30_000, 20);
    expect((await available()).map((s) => [s.name, s.is_available])).toEqual([["solar", true], ["battery", true], ["grid", true]]);
    const created = await call<{ id: number }>("POST", "/api/ai-decisions/", { decision_type: "source_switch", recommended_source: "solar", confidence: 0.8, reasoning: "surplus" });
    expect(created.status).toBe(201);
    const kept = (await get<{ results: { id: number; inputs: unknown }[] }>("/api/ai-decisions/")).body.results.find((d) => d.id === created.body.id);
    expect(kept?.inputs).toMatchObject({
      energy_sources: { site: "home", basis: "site", readings: { surplus_w: { value: 1500 }, battery_soc_pct: { value: 20 } }, sources: { solar: { available: true }, battery: { available: true }, grid: { available: true } } },
    });
    await balance(-200, 1000, 80);
    expect((await available()).map((s) => s.name)).toEqual(["battery", "grid"]);
  });
});
