/**
 * Contract tests of flows/solar.json against the Wyandata solar module's
 * documented endpoints and WebSocket shape, through real HTTP and WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import WebSocket from "ws";
import { startRuntime, type RunningRuntime } from "../packages/runtime/src/start.js";
import type { Message } from "../packages/runtime/src/index.js";
import { until } from "../packages/runtime/src/testing/index.js";
import { copyShippedFlow } from "../test/copy-flow.js";
import { testStore } from "../test/shipped-flow.js";

let rt: RunningRuntime;
let root: string;
let http: string;
const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const days = [today - 3 * DAY, today - 2 * DAY, today - DAY];

/** A day of readings every 10 minutes: PV follows a triangle around noon, the load is constant. */
function dayReadings(start: number, peak: number): { time: number; pv: number; load: number }[] {
  const out = [];
  for (let m = 0; m < 24 * 60; m += 10) {
    const hour = m / 60;
    out.push({ time: start + m * 60_000, pv: Math.max(0, peak * (1 - Math.abs(hour - 12) / 4)), load: 50 });
  }
  return out;
}

const readings = days.flatMap((d, i) => dayReadings(d, [300, 500, 400][i]!)).concat([{ time: today, pv: 0, load: 50 }]);

const body = (r: { time: number; pv: number; load: number }) => ({
  timestamp: new Date(r.time).toISOString(),
  pv_array: { voltage: 37.34, current: Math.round((r.pv / 37.34) * 100) / 100, power: r.pv },
  battery: { voltage: 13.84, charging_current: 6.58, charging_power: r.pv * 0.97, temperature: 25.0 },
  load: { voltage: 13.84, current: r.load / 13.84, power: r.load },
  controller: { temperature: 21.97, charging_mode: "2.0" },
});

/** Expected Wh per UTC day: trapezoids between consecutive readings, counted on the day the segment ends. */
function expectedDaily(field: "pv" | "load"): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 1; i < readings.length; i++) {
    const a = readings[i - 1]!;
    const b = readings[i]!;
    const wh = ((a[field] + b[field]) / 2) * ((b.time - a.time) / 3_600_000);
    const key = new Date(b.time).toISOString().slice(0, 10);
    out.set(key, (out.get(key) ?? 0) + wh);
  }
  return out;
}

const get = async <T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(new URL(path, http));
  return { status: res.status, body: (await res.json()) as T };
};
const TOKEN = "solar-test-token-0123456789";
const post = (path: string, data: string | Buffer, type = "application/json", token: string | null = TOKEN) =>
  fetch(new URL(path, http), { method: "POST", headers: { "content-type": type, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: data });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wattflow-solar-"));
  mkdirSync(join(root, "flows"));
  copyShippedFlow(new URL("./solar.json", import.meta.url), join(root, "flows"));
  // No controller in this test: the poller fails fast and the data comes from uploads.
  process.env.MODBUS_URL = "tcp://127.0.0.1:1";
  process.env.SOLAR_API_TOKEN = TOKEN;
  const onPostgres = await testStore();
  rt = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "data"), flowsDir: join(root, "flows"), logger: pino({ level: "silent" }), ...onPostgres });
  http = rt.httpUrl;
  for (const r of readings) {
    const res = await post("/solar/upload/", JSON.stringify(body(r)));
    if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  }
  // The energy rollups are committed once each seeded day's total accounts for all of its segments.
  const consumed = expectedDaily("load");
  for (let end = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 25))) {
    const stats = await get<{ dates?: string[]; energy_consumed?: number[] }>("/solar/data/daily_stats/?days=30");
    const byDate = new Map((stats.body.dates ?? []).map((d, i) => [d, stats.body.energy_consumed?.[i] ?? 0]));
    if (days.every((d) => Math.abs((byDate.get(new Date(d).toISOString().slice(0, 10)) ?? 0) - consumed.get(new Date(d).toISOString().slice(0, 10))!) < 1)) break;
    if (Date.now() > end) throw new Error(`energy rollups incomplete: ${JSON.stringify(stats.body)}`);
  }
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  delete process.env.MODBUS_URL;
  delete process.env.SOLAR_API_TOKEN;
  rmSync(root, { recursive: true, force: true });
});

describe("GET /solar/data/", () => {
  it("returns the latest reading in the seed's shape", async () => {
    const { status, body: b } = await get("/solar/data/");
    expect(status).toBe(200);
    expect(b).toEqual({
      timestamp: new Date(today).toISOString(),
      pv_array: { voltage: 37.34, current: 0, power: 0 },
      battery: { voltage: 13.84, charging_current: 6.58, charging_power: 0, temperature: 25 },
      load: { voltage: 13.84, current: expect.closeTo(3.61, 2), power: 50 },
      controller: { temperature: 21.97, charging_mode: "2.0" },
    });
  });
});

describe("POST /solar/upload/", () => {
  it("answers 201 for the client's reading", async () => {
    const res = await post("/solar/upload/", JSON.stringify(body({ time: today - 5 * DAY, pv: 1, load: 1 })));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ status: "stored", timestamp: new Date(today - 5 * DAY).toISOString() });
  });

  it("answers 401 without the token, or with another one, and stores nothing", async () => {
    const before = await get<{ count: number }>("/solar/data/history/?hours=240&interval=1");
    const reading = JSON.stringify(body({ time: today - 6 * DAY, pv: 1, load: 1 }));
    for (const token of [null, "another-token-0123456789"]) {
      const res = await post("/solar/upload/", reading, "application/json", token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    }
    expect((await get<{ count: number }>("/solar/data/history/?hours=240&interval=1")).body.count).toBe(before.body.count);
  });

  it("refuses bad input with a 4xx JSON error and stores nothing", async () => {
    const before = await get<{ count: number }>("/solar/data/history/?hours=240&interval=1");
    const cases: [string, string, number, RegExp][] = [
      [JSON.stringify({ ...body(readings[0]!), pv_array: { voltage: "high", current: 1, power: 1 } }), "application/json", 400, /pv_array.voltage must be a number/],
      [JSON.stringify({ pv_array: {} }), "application/json", 400, /battery is required/],
      ["{not json", "application/json", 400, /invalid JSON body/],
      [JSON.stringify({ blob: "x".repeat(2_000_000) }), "application/json", 413, /body too large/],
      [JSON.stringify([1, 2]), "application/json", 400, /body must be a JSON object/],
      [JSON.stringify({ ...body(readings[0]!), timestamp: "yesterday" }), "application/json", 400, /timestamp must be an ISO 8601 time/],
    ];
    for (const [data, type, status, message] of cases) {
      const res = await post("/solar/upload/", data, type);
      expect(res.status).toBe(status);
      expect(JSON.stringify(await res.json())).toMatch(message);
    }
    const bad = await post("/solar/upload/", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(bad.status).toBe(400);
    const after = await get<{ count: number }>("/solar/data/history/?hours=240&interval=1");
    expect(after.body.count).toBe(before.body.count);
  });
});

describe("history and stats", () => {
  it("history averages per interval with hours and interval (a bare number is minutes)", async () => {
    const { status, body: b } = await get<{ hours: number; interval: string; count: number; data: Record<string, unknown>[] }>("/solar/data/history/?hours=48&interval=60");
    expect(status).toBe(200);
    expect(b).toMatchObject({ hours: 48, interval: "60m" });
    expect(b.count).toBe(b.data.length);
    expect(b.count).toBeGreaterThanOrEqual(24);
    expect(Object.keys(b.data[0]!)).toEqual(["timestamp", "pv_array", "battery", "load", "controller"]);
    expect((await get("/solar/data/history/?hours=-1")).status).toBe(400);
    expect((await get<{ message: string }>("/solar/data/history/?interval=soon")).body.message).toMatch(/^interval: "soon" is not a duration/);
  });

  it("stats summarise the last hours", async () => {
    const { body: b } = await get<Record<string, unknown>>("/solar/data/stats/?hours=72");
    expect(b).toMatchObject({ period_hours: 72, pv_power: { max: 500 }, battery_voltage: { min: 13.84, max: 13.84 }, units: { energy_produced: "Wh" } });
    expect(b.energy_produced as number).toBeGreaterThan(0);
  });
});

describe("calendar statistics", () => {
  const produced = expectedDaily("pv");
  const consumed = expectedDaily("load");
  const dates = days.map((d) => new Date(d).toISOString().slice(0, 10)).reverse();

  it("daily_stats: Wh per day, peak W, sunshine hours, newest first", async () => {
    const { body: b } = await get<{ dates: string[]; energy_produced: number[]; energy_consumed: number[]; peak_power: number[]; sunshine_hours: number[] }>("/solar/data/daily_stats/");
    expect(b.dates.slice(0, 3)).toEqual(dates);
    dates.forEach((d, i) => {
      expect(b.energy_produced[i]).toBeCloseTo(produced.get(d)!, 0);
      expect(b.energy_consumed[i]).toBeCloseTo(consumed.get(d)!, 0);
      expect(b.sunshine_hours[i]).toBeCloseTo(produced.get(d)! / 400, 1);
    });
    expect(b.peak_power.slice(0, 3)).toEqual([400, 500, 300]);
    expect((await get("/solar/data/daily_stats/?days=abc")).body).toEqual({ error: "invalid parameter", message: 'days must be a number (got "abc")' });
  });

  it("monthly_stats: kWh per month and average daily production", async () => {
    const { body: b } = await get<{ periods: string[]; energy_produced: number[]; avg_daily_production: number[] }>("/solar/data/monthly_stats/?months=3");
    const total = [...produced.entries()].filter(([d]) => dates.includes(d)).reduce((a, [, v]) => a + v, 0);
    const sum = b.energy_produced.reduce((a, v) => a + v, 0);
    expect(sum).toBeCloseTo(total / 1000, 1);
    expect(b.periods.every((p) => /^\d{4}-\d{2}$/.test(p))).toBe(true);
    expect((await get("/solar/data/monthly_stats/?months=0")).status).toBe(400);
  });

  it("yearly_stats: kWh per year and the best month", async () => {
    const { body: b } = await get<{ years: number[]; energy_produced: number[]; best_months: string[] }>("/solar/data/yearly_stats/");
    expect(typeof b.years[0]).toBe("number");
    expect(b.best_months[0]).toMatch(/^\d{4}-\d{2}$/);
  });

  it("lifetime_stats: totals in kWh, the peak with its date, the best day", async () => {
    const { body: b } = await get<Record<string, unknown>>("/solar/data/lifetime_stats/");
    expect(b).toMatchObject({ peak_power_ever: 500, peak_power_date: dates[1], best_day_ever: dates[1] });
    expect(b.best_day_production as number).toBeCloseTo(produced.get(dates[1]!)! / 1000, 1);
    expect(Object.keys(b)).toEqual([
      "total_energy_produced",
      "total_energy_consumed",
      "peak_power_ever",
      "peak_power_date",
      "best_day_ever",
      "best_day_production",
      "best_month_ever",
      "best_month_production",
      "operational_days",
      "system_install_date",
    ]);
  });
});

describe("daily rollups", () => {
  const dates = days.map((d) => new Date(d).toISOString().slice(0, 10));

  it("are kept per day as the 15-minute energy is stored", async () => {
    const produced = expectedDaily("pv");
    const kept = await rt.engine.store.range({ series: "solar.daily.solar.energy.pv_power_energy", from: days[0]!, to: today });
    expect(kept.map((p) => new Date(p.time).toISOString().slice(0, 10))).toEqual(dates);
    kept.forEach((p, i) => expect(p.value).toBeCloseTo(produced.get(dates[i]!)!, 6));
    const peaks = await rt.engine.store.range({ series: "solar.daily.solar.energy.pv_power_max", from: days[0]!, to: today });
    expect(peaks.map((p) => p.value)).toEqual([300, 500, 400]);
  });

  it("take in a 15-minute window stored late into a closed day (a backfill), so the statistics include it", async () => {
    const day = dates[0]!;
    const before = await get<{ dates: string[]; energy_produced: number[] }>("/solar/data/daily_stats/?days=10");
    const lifetimeBefore = await get<{ total_energy_produced: number }>("/solar/data/lifetime_stats/");
    // A window at 23:00 of the oldest seeded day, with 1 kWh of PV energy, as aggregate-window would send it.
    const start = days[0]! + 23 * 3_600_000;
    const window = { start: new Date(start).toISOString(), end: new Date(start + 900_000).toISOString(), pv_power_energy: 1000, pv_power_max: 10, load_power_energy: 0 };
    await new Promise<void>((resolve, reject) => {
      const accepted = rt.engine.inject("solar", "store-energy", { _msgid: "late-window", payload: window } as Message, (done) =>
        done.outcome === "ack" ? resolve() : reject(new Error(JSON.stringify(done))),
      );
      if (!accepted) reject(new Error("no solar/store-energy node"));
    });
    const after = await get<{ dates: string[]; energy_produced: number[] }>("/solar/data/daily_stats/?days=10");
    const at = (b: typeof before.body) => b.energy_produced[b.dates.indexOf(day)]!;
    expect(at(after.body) - at(before.body)).toBeCloseTo(1000, 0);
    const lifetimeAfter = await get<{ total_energy_produced: number }>("/solar/data/lifetime_stats/");
    expect(lifetimeAfter.body.total_energy_produced - lifetimeBefore.body.total_energy_produced).toBeCloseTo(1, 0);
  });
});

describe("WebSocket /ws/solar/data/", () => {
  it("sends every reading in the seed's exact shape; the path without its slash is not served", async () => {
    const ws = new WebSocket(new URL("/ws/solar/data/", http.replace("http", "ws")));
    await new Promise((r) => ws.once("open", r));
    const frame = new Promise<Record<string, Record<string, unknown>>>((r) => ws.once("message", (d) => r(JSON.parse(String(d)))));
    await post("/solar/upload/", JSON.stringify(body({ time: Date.now(), pv: 90.92, load: 0 })));
    const f = await frame;
    expect(Object.keys(f)).toEqual(["timestamp", "pv_array", "battery", "load", "controller"]);
    expect(typeof f.timestamp).toBe("string");
    for (const group of ["pv_array", "battery", "load"]) for (const v of Object.values(f[group]!)) expect(typeof v).toBe("number");
    expect(f.controller).toEqual({ temperature: 21.97, charging_mode: "2.0" });
    ws.close();
    const wrong = new WebSocket(new URL("/ws/solar/data", http.replace("http", "ws")));
    await expect(new Promise((res, rej) => (wrong.once("open", res), wrong.once("error", rej)))).rejects.toThrow(/404/);
  });
});

describe("retention", () => {
  it("removes readings older than 7 days and reports it", async () => {
    await post("/solar/upload/", JSON.stringify(body({ time: today - 9 * DAY, pv: 5, load: 5 })));
    const before = await get<{ count: number }>("/solar/data/history/?hours=300&interval=10");
    expect(await rt.engine.trigger("solar", "prune")).toBe(true);
    const status = () => rt.engine.statuses().find((s) => s.flowId === "solar" && s.nodeId === "prune")?.status.text ?? "";
    await until(() => /removed \d+/.test(status()), 5000, "the prune to finish");
    const after = await get<{ count: number; data: { timestamp: string }[] }>("/solar/data/history/?hours=300&interval=10");
    expect(after.body.count).toBe(before.body.count - 1);
    expect(after.body.data.every((d) => Date.parse(d.timestamp) >= Date.now() - 7 * DAY - 60_000)).toBe(true);
  });
});
