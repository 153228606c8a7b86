/**
 * Contract tests of flows/greenpower.json against the Green Power backend's
 * documented endpoints (Django REST framework conventions): telemetry in over
 * MQTT (embedded broker) and TCP, JWT login, the paginated telemetry queries,
 * rollup tiers and retention, health, readiness and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import mqtt, { type MqttClient } from "mqtt";
import { startShippedFlow, until, type ShippedFlow } from "../test/shipped-flow.js";
import { freePort } from "../test/services/ports.js";

type Page<T = Record<string, unknown>> = { count: number; next: string | null; previous: string | null; results: T[] };

let flow: ShippedFlow;
let http: string;
let device: MqttClient;
let access = "";
let refresh = "";
const env = {
  MQTT_PORT: "",
  MQTT_WS_PORT: "off",
  GREENPOWER_TCP_PORT: "",
  GREENPOWER_ADMIN_USER: "ops",
  GREENPOWER_ADMIN_PASSWORD: "correct horse battery staple",
  JWT_SIGNING_KEY: "greenpower-test-signing-key-0123456789-abcdefghijklmnop",
};

const call = async <T = Record<string, unknown>>(path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: T; headers: Headers }> => {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  if (init.body) headers.set("content-type", "application/json");
  const res = await fetch(new URL(path, http), { ...init, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T };
};
const get = <T = Record<string, unknown>>(path: string, token = access) => call<T>(path, { token });
const post = <T = Record<string, unknown>>(path: string, body: unknown) => call<T>(path, { method: "POST", body: JSON.stringify(body) });
/** ISO 8601 as the API writes it (no milliseconds when there are none). */
const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");
const qs = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
const publish = (topic: string, payload: unknown) => device.publishAsync(topic, typeof payload === "string" ? payload : JSON.stringify(payload), { qos: 1 });
/** Sends lines over one TCP connection and waits until the server has read them (the connection is closed). */
const sendTcp = (lines: string[]) =>
  new Promise<void>((resolve, reject) => {
    const socket = connect(Number(env.GREENPOWER_TCP_PORT), "127.0.0.1", () => socket.end(lines.map((l) => `${l}\n`).join("")));
    socket.on("error", reject);
    socket.on("close", () => resolve());
  });
const rejected = async () => (await get<{ rejected: { total: number; mqtt: number; tcp: number; by_kind: Record<string, number>; recent: { reason: string }[] } }>("/api/health/")).body.rejected;

// Readings of the last quarter hour, whole seconds.
const base = Math.floor(Date.now() / 1000) * 1000 - 15 * 60_000;
const rtReading = (i: number) => ({ voltage_l1: 230 + i, voltage_l2: 231, voltage_l3: 229.5, current_l1: 10 + i, power_total: 6.9 + i, frequency: 50.01, power_factor: 0.98 });

beforeAll(async () => {
  env.MQTT_PORT = String(await freePort());
  env.GREENPOWER_TCP_PORT = String(await freePort());
  flow = await startShippedFlow(new URL("./greenpower.json", import.meta.url), env);
  http = flow.http;
  device = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`);
  await until(async () => (await call("/api/ready/")).status === 200);
}, 30_000);

afterAll(async () => {
  await device?.endAsync();
  await flow?.stop();
});

describe("health and authentication", () => {
  it("is healthy and ready: the store answers, the broker is connected, the TCP listener is up", async () => {
    const health = await call<Record<string, unknown>>("/api/health/");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: "ok", rejected: { total: 0 }, checks: { store: { status: "up" }, mqtt: { status: "up", detail: "connected", reconnects: 0 } } });
    const ready = await call<Record<string, unknown>>("/api/ready/");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", checks: { store: "ok", mqtt: "connected", tcp: "listening" }, details: { mqtt: "connected", mqtt_reconnects: 0 } });
    // Without the trailing slash: a redirect to the served path, as Django's APPEND_SLASH answers.
    const bare = await fetch(new URL("/api/health", http), { redirect: "manual" });
    expect([bare.status, bare.headers.get("location")]).toEqual([301, "/api/health/"]);
  });

  it("logs in with SimpleJWT's token endpoint and refuses wrong credentials", async () => {
    const wrong = await post("/api/users/token/", { username: "ops", password: "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ detail: "No active account found with the given credentials" });
    expect((await post("/api/users/token/", { username: "ops" })).body).toEqual({ password: ["This field is required."] });
    const ok = await post<{ access: string; refresh: string }>("/api/users/token/", { username: "ops", password: env.GREENPOWER_ADMIN_PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.access).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(ok.body.refresh).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    access = ok.body.access;
    refresh = ok.body.refresh;
  });

  it("answers every telemetry endpoint 401 without a valid bearer token", async () => {
    for (const p of ["rt-data", "eny-now-data", "environment-data", "solar-data", "generator-data", "events"]) {
      const none = await get(`/api/telemetry/${p}/`, "");
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ detail: "Authentication credentials were not provided." });
    }
    const bad = await get("/api/telemetry/rt-data/", "not.a.token");
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ code: "token_not_valid" });
    expect((await get("/api/telemetry/rt-data/", refresh)).status).toBe(401);
  });
});

describe("ingestion and the telemetry endpoints", () => {
  const window = recent();

  it("stores grid RT data from MQTT and TCP and pages it DRF-style, newest first", async () => {
    for (let i = 0; i < 3; i++) await publish("greenpower/gp-001/rt", { timestamp: iso(base + i * 10_000), ...rtReading(i) });
    await publish("greenpower/gp-002/rt", { timestamp: iso(base + 5_000), ...rtReading(5) });
    await sendTcp([JSON.stringify({ device_id: "gp-003", kind: "rt", timestamp: iso(base + 25_000), ...rtReading(7) })]);
    await until(async () => (await get<Page>(`/api/telemetry/rt-data/?${qs(window)}`)).body.count === 5);

    const all = await get<Page>(`/api/telemetry/rt-data/?${qs(window)}`);
    expect(all.status).toBe(200);
    expect(all.headers.get("x-telemetry-tier")).toBe("raw");
    expect(all.body).toEqual({
      count: 5,
      next: null,
      previous: null,
      results: [
        { device_id: "gp-003", timestamp: iso(base + 25_000), ...rtReading(7) },
        { device_id: "gp-001", timestamp: iso(base + 20_000), ...rtReading(2) },
        { device_id: "gp-001", timestamp: iso(base + 10_000), ...rtReading(1) },
        { device_id: "gp-002", timestamp: iso(base + 5_000), ...rtReading(5) },
        { device_id: "gp-001", timestamp: iso(base), ...rtReading(0) },
      ],
    });

    const first = await get<Page>(`/api/telemetry/rt-data/?${qs({ ...window, page_size: 2 })}`);
    expect(first.body.count).toBe(5);
    expect(first.body.results.map((r) => r.timestamp)).toEqual([iso(base + 25_000), iso(base + 20_000)]);
    expect(first.body.previous).toBeNull();
    // DRF's links: absolute, the query sorted by name, page replaced.
    expect(first.body.next).toBe(`${http.replace(/\/$/, "")}/api/telemetry/rt-data/?${qs({ end_time: window.end_time, page: 2, page_size: 2, start_time: window.start_time })}`);
    const second = await get<Page>(first.body.next!.replace(http.replace(/\/$/, ""), ""));
    expect(second.body.results.map((r) => r.timestamp)).toEqual([iso(base + 10_000), iso(base + 5_000)]);
    // The link back to the first page has no page parameter, as DRF writes it.
    expect(second.body.previous).toBe(`${http.replace(/\/$/, "")}/api/telemetry/rt-data/?${qs({ end_time: window.end_time, page_size: 2, start_time: window.start_time })}`);
    const third = await get<Page>(second.body.next!.replace(http.replace(/\/$/, ""), ""));
    expect(third.body).toMatchObject({ count: 5, next: null, results: [{ device_id: "gp-001", timestamp: iso(base) }] });
    expect(third.body.previous).toContain("page=2");
    const past = await get(`/api/telemetry/rt-data/?${qs({ ...window, page_size: 2, page: 4 })}`);
    expect(past.status).toBe(404);
    expect(past.body).toEqual({ detail: "Invalid page." });
  });

  it("filters by device_id and by time range (end inclusive)", async () => {
    const one = await get<Page>(`/api/telemetry/rt-data/?${qs({ ...window, device_id: "gp-001" })}`);
    expect(one.body.count).toBe(3);
    expect(new Set(one.body.results.map((r) => r.device_id))).toEqual(new Set(["gp-001"]));
    const range = await get<Page>(`/api/telemetry/rt-data/?${qs({ start_time: iso(base + 5_000), end_time: iso(base + 10_000) })}`);
    expect(range.body.results.map((r) => [r.device_id, r.timestamp])).toEqual([
      ["gp-001", iso(base + 10_000)],
      ["gp-002", iso(base + 5_000)],
    ]);
    const none = await get<Page>(`/api/telemetry/rt-data/?${qs({ ...window, device_id: "nobody" })}`);
    expect(none.body).toEqual({ count: 0, next: null, previous: null, results: [] });
    // Without start_time and end_time: the last 24 hours.
    expect((await get<Page>("/api/telemetry/rt-data/?device_id=gp-002")).body.count).toBe(1);
  });

  it("refuses bad query parameters as DRF does", async () => {
    const bad = await get(`/api/telemetry/rt-data/?start_time=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ start_time: ["Enter a valid date/time."] });
    const both = await get(`/api/telemetry/eny-now-data/?start_time=2026-02-30T00:00:00Z&end_time=soon`);
    expect(both.body).toEqual({ start_time: ["Enter a valid date/time."], end_time: ["Enter a valid date/time."] });
    const order = await get(`/api/telemetry/rt-data/?${qs({ start_time: window.end_time, end_time: window.start_time })}`);
    expect(order.status).toBe(400);
    expect(order.body).toEqual({ non_field_errors: ["start_time must be before end_time."] });
    expect((await get(`/api/telemetry/rt-data/?page=0`)).body).toEqual({ detail: "Invalid page." });
    expect((await get(`/api/telemetry/rt-data/?page=two`)).status).toBe(404);
    const interval = await get(`/api/telemetry/eny-now-data/?interval=1m`);
    expect(interval.status).toBe(400);
    expect(interval.body).toEqual({ interval: ['"1m" is not a valid choice.'] });
  });

  it("serves ENY NOW, environment, solar and generator data as sent", async () => {
    const eny = { energy_import_kwh: 1523.25, energy_export_kwh: 88.5, reactive_energy_import_kvarh: 12.5, reactive_energy_export_kvarh: 0 };
    const envData = { temperature: 31.5, humidity: 44, irradiance: 812, module_temperature: 47.25, wind_speed: 3.5 };
    const solar = { pv_power: 42.5, pv_voltage: 612, pv_current: 69.4, energy_today_kwh: 120.5, energy_total_kwh: 88412, inverter_temperature: 41 };
    const gen = { running: true, fuel_level: 63.5, running_hours: 1204.5, power: 80, voltage: 400, frequency: 50, coolant_temperature: 82, battery_voltage: 13.1 };
    await sendTcp([
      JSON.stringify({ device_id: "meter-1", kind: "eny_now", timestamp: iso(base + 60_000), ...eny }),
      JSON.stringify({ device_id: "inv-1", kind: "solar", timestamp: (base + 60_000) / 1000, ...solar }),
    ]);
    await publish("greenpower/ws-1/environment", { timestamp: iso(base + 60_000), ...envData });
    await publish("greenpower/gen-1/generator", { device_id: "gen-1", timestamp: iso(base + 60_000), ...gen });
    await publish("greenpower/gen-1/generator", { timestamp: iso(base + 120_000), ...gen, running: false, power: 0 });

    const cases: [string, number, Record<string, unknown>][] = [
      ["eny-now-data", 1, { device_id: "meter-1", timestamp: iso(base + 60_000), ...eny }],
      ["environment-data", 1, { device_id: "ws-1", timestamp: iso(base + 60_000), ...envData }],
      ["solar-data", 1, { device_id: "inv-1", timestamp: iso(base + 60_000), ...solar }],
      ["generator-data", 2, { device_id: "gen-1", timestamp: iso(base + 120_000), ...gen, running: false, power: 0 }],
    ];
    for (const [path, count, latest] of cases) {
      await until(async () => (await get<Page>(`/api/telemetry/${path}/?${qs(window)}`)).body.count === count);
      const page = await get<Page>(`/api/telemetry/${path}/?${qs(window)}`);
      expect(page.body.results[0]).toEqual(latest);
    }
    const older = await get<Page>(`/api/telemetry/generator-data/?${qs({ ...window, page: 2, page_size: 1 })}`);
    expect(older.body.results).toEqual([{ device_id: "gen-1", timestamp: iso(base + 60_000), ...gen }]);
    expect(older.body.next).toBeNull();
  });

  it("keeps telemetry events with their text, filtered and paged", async () => {
    await publish("greenpower/gp-001/event", { timestamp: iso(base + 30_000), event_type: "grid_outage", severity: "critical", message: "grid lost on all phases", data: { phases: ["l1", "l2", "l3"] } });
    await sendTcp([JSON.stringify({ device_id: "gen-1", kind: "event", timestamp: iso(base + 40_000), event_type: "generator_start", value: 3.5 })]);
    // A redelivered event is kept once.
    await publish("greenpower/gp-001/event", { timestamp: iso(base + 30_000), event_type: "grid_outage", severity: "critical", message: "grid lost on all phases", data: { phases: ["l1", "l2", "l3"] } });
    await until(async () => (await get<Page>(`/api/telemetry/events/?${qs(window)}`)).body.count === 2);
    const page = await get<Page>(`/api/telemetry/events/?${qs(window)}`);
    expect(page.body.results).toEqual([
      expect.objectContaining({ device_id: "gen-1", event_type: "generator_start", severity: "info", message: "", value: 3.5, data: {}, timestamp: iso(base + 40_000) }),
      expect.objectContaining({ device_id: "gp-001", event_type: "grid_outage", severity: "critical", message: "grid lost on all phases", value: null, data: { phases: ["l1", "l2", "l3"] }, timestamp: iso(base + 30_000) }),
    ]);
    expect(page.body.results[0]!.id).not.toBe(page.body.results[1]!.id);
    const mine = await get<Page>(`/api/telemetry/events/?${qs({ ...window, device_id: "gp-001" })}`);
    expect(mine.body.results.map((e) => e.event_type)).toEqual(["grid_outage"]);
    const typed = await get<Page>(`/api/telemetry/events/?${qs({ ...window, event_type: "generator_start", page_size: 1 })}`);
    expect(typed.body).toMatchObject({ count: 1, next: null, previous: null });
    const paged = await get<Page>(`/api/telemetry/events/?${qs({ ...window, page_size: 1 })}`);
    expect(paged.body.next).toContain("page=2");
    expect((await get<Page>(`/api/telemetry/events/?${qs({ start_time: iso(base + 35_000), end_time: window.end_time })}`)).body.count).toBe(1);
  });

  it("counts a bad MQTT payload and a bad TCP line without losing anything else", async () => {
    const before = await rejected();
    await publish("greenpower/gp-004/rt", "{broken");
    await publish("greenpower/gp-004/rt", { timestamp: iso(base + 50_000), voltage_l1: "high" });
    await publish("greenpower/gp-004/weather", { timestamp: iso(base + 50_000), temperature: 20 });
    await publish("greenpower/gp-004/rt", { timestamp: iso(base + 50_000), ...rtReading(9) });
    await sendTcp([
      "this is not json",
      JSON.stringify({ kind: "rt", timestamp: iso(base + 55_000), voltage_l1: 230 }),
      JSON.stringify({ device_id: "gp-005", kind: "rt", timestamp: iso(base + 55_000), voltage_l1: 232, unknown_field: 1 }),
      JSON.stringify({ device_id: "gp-005", kind: "rt", timestamp: iso(base + 56_000), voltage_l1: 233 }),
    ]);
    await until(async () => (await rejected()).total === before.total + 6);
    const after = await rejected();
    expect(after.mqtt - before.mqtt).toBe(3);
    expect(after.tcp - before.tcp).toBe(3);
    expect(after.recent.map((r) => r.reason).join("\n")).toMatch(/must be number/);
    await until(async () => (await get<Page>(`/api/telemetry/rt-data/?${qs({ ...window, device_id: "gp-004" })}`)).body.count === 1);
    await until(async () => (await get<Page>(`/api/telemetry/rt-data/?${qs({ ...window, device_id: "gp-005" })}`)).body.count === 1);
    expect((await get<Page>(`/api/telemetry/rt-data/?${qs({ ...window, device_id: "gp-005" })}`)).body.results).toEqual([{ device_id: "gp-005", timestamp: iso(base + 56_000), voltage_l1: 233 }]);
    expect((await get<Page>(`/api/telemetry/rt-data/?${qs(window)}`)).body.count).toBe(7);
    // The listener counts the unreadable line in its status too.
    await until(() => /1 invalid/.test(flow.rt.engine.statuses().find((s) => s.nodeId === "tcp-telemetry")?.status?.text ?? ""), 5000);
  });
});

describe("rollups and retention tiers", () => {
  // Two hours ago, on a minute boundary: rt and environment per 1m, eny_now per 30m.
  const minute = Math.floor((Date.now() - 2 * 3_600_000) / 1_800_000) * 1_800_000;

  it("rolls RT data up per minute and serves the tier by interval or by how far back start_time is", async () => {
    await publish("greenpower/roll-1/rt", { timestamp: iso(minute + 5_000), voltage_l1: 228, power_total: 4 });
    await publish("greenpower/roll-1/rt", { timestamp: iso(minute + 35_000), voltage_l1: 232, power_total: 6 });
    // A reading in the next minute closes the first one.
    await publish("greenpower/roll-1/rt", { timestamp: iso(minute + 65_000), voltage_l1: 240, power_total: 8 });
    const q = qs({ start_time: iso(minute - 60_000), end_time: iso(minute + 3_600_000), device_id: "roll-1", interval: "1m" });
    await until(async () => (await get<Page>(`/api/telemetry/rt-data/?${q}`)).body.count === 1);
    const rolled = await get<Page>(`/api/telemetry/rt-data/?${q}`);
    expect(rolled.headers.get("x-telemetry-tier")).toBe("1m");
    expect(rolled.body.results).toEqual([
      { device_id: "roll-1", timestamp: iso(minute), interval: "1m", samples: 2, voltage_l1: 230, voltage_l1_min: 228, voltage_l1_max: 232, power_total: 5, power_total_min: 4, power_total_max: 6 },
    ]);
    // Raw readings are still there for today.
    const raw = await get<Page>(`/api/telemetry/rt-data/?${qs({ start_time: iso(minute - 60_000), end_time: iso(minute + 3_600_000), device_id: "roll-1" })}`);
    expect(raw.headers.get("x-telemetry-tier")).toBe("raw");
    expect(raw.body.count).toBe(3);
    // A start three days back is beyond the raw tier's day: the 1m tier (kept 7 days) answers.
    const week = await get<Page>(`/api/telemetry/rt-data/?${qs({ start_time: iso(Date.now() - 3 * 86_400_000), device_id: "roll-1" })}`);
    expect(week.headers.get("x-telemetry-tier")).toBe("1m");
    expect(week.body.results).toEqual(rolled.body.results);
    // Twenty days back: 10m; four months: 3h; eleven months: 6h.
    expect((await get(`/api/telemetry/rt-data/?${qs({ start_time: iso(Date.now() - 20 * 86_400_000) })}`)).headers.get("x-telemetry-tier")).toBe("10m");
    expect((await get(`/api/telemetry/environment-data/?${qs({ start_time: iso(Date.now() - 120 * 86_400_000) })}`)).headers.get("x-telemetry-tier")).toBe("3h");
    expect((await get(`/api/telemetry/eny-now-data/?${qs({ start_time: iso(Date.now() - 330 * 86_400_000) })}`)).headers.get("x-telemetry-tier")).toBe("6h");
    expect((await get(`/api/telemetry/eny-now-data/?${qs({ start_time: iso(Date.now() - 3 * 86_400_000) })}`)).headers.get("x-telemetry-tier")).toBe("30m");
  });

  it("keeps the last meter reading of each 30 minutes for ENY NOW, and per-minute environment averages", async () => {
    await publish("greenpower/roll-1/eny_now", { timestamp: iso(minute + 60_000), energy_import_kwh: 100, energy_export_kwh: 1 });
    await publish("greenpower/roll-1/eny_now", { timestamp: iso(minute + 20 * 60_000), energy_import_kwh: 104.5, energy_export_kwh: 1.5 });
    await publish("greenpower/roll-1/eny_now", { timestamp: iso(minute + 31 * 60_000), energy_import_kwh: 109, energy_export_kwh: 2 });
    const q = qs({ start_time: iso(minute - 60_000), end_time: iso(minute + 3_600_000), device_id: "roll-1", interval: "30m" });
    await until(async () => (await get<Page>(`/api/telemetry/eny-now-data/?${q}`)).body.count === 1);
    expect((await get<Page>(`/api/telemetry/eny-now-data/?${q}`)).body.results).toEqual([
      { device_id: "roll-1", timestamp: iso(minute), interval: "30m", samples: 2, energy_import_kwh: 104.5, energy_export_kwh: 1.5 },
    ]);

    await publish("greenpower/roll-1/environment", { timestamp: iso(minute + 1_000), temperature: 20, irradiance: 500 });
    await publish("greenpower/roll-1/environment", { timestamp: iso(minute + 2_000), temperature: 22, irradiance: 700 });
    await publish("greenpower/roll-1/environment", { timestamp: iso(minute + 61_000), temperature: 30, irradiance: 800 });
    const e = qs({ start_time: iso(minute - 60_000), end_time: iso(minute + 3_600_000), device_id: "roll-1", interval: "1m" });
    await until(async () => (await get<Page>(`/api/telemetry/environment-data/?${e}`)).body.count === 1);
    expect((await get<Page>(`/api/telemetry/environment-data/?${e}`)).body.results[0]).toMatchObject({ interval: "1m", samples: 2, temperature: 21, temperature_min: 20, temperature_max: 22, irradiance: 600 });
  });

  it("drops raw readings older than the today TTL when retention runs, keeping their rollups", async () => {
    const old = Math.floor((Date.now() - 30 * 3_600_000) / 60_000) * 60_000;
    await publish("greenpower/old-1/rt", { timestamp: iso(old + 10_000), voltage_l1: 225 });
    await publish("greenpower/old-1/rt", { timestamp: iso(old + 70_000), voltage_l1: 226 });
    const span = { start_time: iso(old - 60_000), end_time: iso(old + 600_000), device_id: "old-1" };
    await until(async () => (await get<Page>(`/api/telemetry/rt-data/?${qs({ ...span, interval: "1m" })}`)).body.count === 1);
    expect((await get<Page>(`/api/telemetry/rt-data/?${qs({ ...span, interval: "raw" })}`)).body.count).toBe(2);
    expect(await flow.rt.engine.trigger("greenpower", "retention")).toBe(true);
    await until(async () => (await get<Page>(`/api/telemetry/rt-data/?${qs({ ...span, interval: "raw" })}`)).body.count === 0);
    const tier = await get<Page>(`/api/telemetry/rt-data/?${qs(span)}`);
    expect(tier.headers.get("x-telemetry-tier")).toBe("1m");
    expect(tier.body.results).toEqual([{ device_id: "old-1", timestamp: iso(old), interval: "1m", samples: 1, voltage_l1: 225, voltage_l1_min: 225, voltage_l1_max: 225 }]);
    // Today's raw readings are not touched.
    expect((await get<Page>(`/api/telemetry/rt-data/?${qs({ ...recent(), device_id: "gp-001" })}`)).body.count).toBe(3);
  });
});

/** The quarter hour the ingestion tests send into. */
function recent() {
  return { start_time: iso(base - 60_000), end_time: iso(base + 10 * 60_000) };
}

describe("API documentation and token lifecycle", () => {
  it("documents the telemetry endpoints with bearer security in the OpenAPI schema, and serves Swagger docs", async () => {
    const spec = (await call<{ paths: Record<string, Record<string, { summary?: string; security?: unknown; parameters?: { name: string }[] }>>; components: { securitySchemes: Record<string, unknown> } }>("/api/schema/")).body;
    const telemetry = ["rt-data", "eny-now-data", "environment-data", "solar-data", "generator-data", "events"].map((p) => `/api/telemetry/${p}/`);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining([...telemetry, "/api/health/", "/api/ready/", "/api/users/token/", "/api/users/token/refresh/", "/api/users/token/logout/"]));
    for (const p of telemetry) {
      expect(spec.paths[p]!.get!.security).toEqual([{ bearerAuth: [] }]);
      expect(spec.paths[p]!.get!.summary).toBeTruthy();
      expect(spec.paths[p]!.get!.parameters!.map((x) => x.name)).toEqual(expect.arrayContaining(["start_time", "end_time", "device_id", "page", "page_size"]));
    }
    expect(spec.paths["/api/health/"]!.get!.security).toBeUndefined();
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const docs = await call<string>("/api/docs/");
    expect(docs.status).toBe(200);
    expect(docs.body).toContain("Green Power API");
  });

  it("refreshes the access token, and logout revokes the refresh token", async () => {
    const fresh = await post<{ access: string }>("/api/users/token/refresh/", { refresh });
    expect(fresh.status).toBe(200);
    expect((await get("/api/telemetry/solar-data/", fresh.body.access)).status).toBe(200);
    const out = await post("/api/users/token/logout/", { refresh });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({});
    const again = await post("/api/users/token/refresh/", { refresh });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ detail: "Token is blacklisted", code: "token_not_valid" });
  });
});
