/**
 * Per-device state in nodes across runtimes: three runtimes over one
 * PostgreSQL store, each handling its part of the devices (`mqtt-in`
 * `partition`), compute every device's 1-minute windows in memory
 * (`aggregate-window`) exactly as one runtime would, because all of a
 * device's readings reach the same runtime, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { buildRuntime, killNow, repoRoot, spawnRuntime, wattflowBin, type SpawnedRuntime } from "../services/runtime-process.js";
import { mosquittoAvailable, startMosquitto, type Mosquitto } from "../services/mosquitto.js";
import { postgresAvailable, startPostgres, type Postgres } from "../services/postgres.js";

const DEVICES = 20;
const PER_DEVICE = 90;
const STEP_MS = 2000;
const T0 = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;
const power = (d: number, i: number): number => 500 + d * 3 + ((i * 11) % 17);

const FLOW = {
  format: "wattflow/flow@1",
  id: "parts",
  connections: [{ id: "broker", type: "mqtt-broker", config: { url: "${MQTT_URL}" } }],
  nodes: [
    { id: "in", type: "mqtt-in", config: { broker: "broker", topic: "meters/{device}/reading", qos: 1, partition: "${MQTT_PARTITION:-}" }, wires: [["windows"]] },
    {
      id: "windows",
      type: "aggregate-window",
      config: { window: "1m", key: "params.device", lateness: "1s", fields: [{ path: "payload.power", as: "power", stats: ["avg", "count"] }] },
      wires: [["write"]],
    },
    { id: "write", type: "store-write", config: { series: "win", fields: ["power_avg", "power_count"], tags: { device: "payload.key" } } },
    { id: "rows-in", type: "http-in", config: { method: "GET", path: "/windows/" }, wires: [["rows"]] },
    { id: "rows", type: "store-query", config: { queries: [{ as: "w", mode: "rows", series: "win", hours: 2, pageSize: 1000, order: "asc" }] }, wires: [["reply"], ["reply"]] },
    { id: "reply", type: "http-response", config: {} },
  ],
};

let db: Postgres | undefined;
let broker: Mosquitto | undefined;
let dir = "";
const runtimes: SpawnedRuntime[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

describe.skipIf(!(mosquittoAvailable && postgresAvailable))("partitioned ingest: each device on one runtime", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wattflow-partition-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const [p, m] = await Promise.all([startPostgres({ database: "partitions" }), startMosquitto(), buildRuntime()]);
    db = p;
    broker = m;
    cleanups.push(() => db!.stop(), () => broker!.close());
    mkdirSync(join(dir, "flows"));
    writeFileSync(join(dir, "flows", "parts.json"), JSON.stringify(FLOW, null, 2));
    for (const k of [1, 2, 3]) {
      const env: Record<string, string> = {};
      for (const [key, v] of Object.entries(process.env)) if (v !== undefined) env[key] = v;
      Object.assign(env, { WATTFLOW_STORE: db.url, WATTFLOW_INSTANCE: `p${k}`, MQTT_PARTITION: `${k}/3`, MQTT_URL: broker.url, WATTFLOW_LOG_LEVEL: "warn", NODE_ENV: "production" });
      runtimes.push(await spawnRuntime([process.execPath, wattflowBin, "start", "--flows", join(dir, "flows"), "--data", join(dir, `data-${k}`)], { cwd: repoRoot, env }));
    }
  }, 120_000);

  afterAll(async () => {
    for (const r of runtimes) await killNow(r.child);
    while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  }, 60_000);

  it("every device's windows from three runtimes equal what one runtime computes from its readings", async () => {
    const devices = await mqtt.connectAsync(broker!.url, { clientId: "devices" });
    cleanups.push(() => devices.endAsync(true));
    for (let i = 0; i < PER_DEVICE; i++) {
      await Promise.all(
        Array.from({ length: DEVICES }, (_, d) => devices.publishAsync(`meters/d${d}/reading`, JSON.stringify({ power: power(d, i), timestamp: T0 + i * STEP_MS }), { qos: 1 })),
      );
    }
    const expected = new Map<string, { count: number; avg: number }>();
    for (let d = 0; d < DEVICES; d++) {
      const byMinute = new Map<number, number[]>();
      for (let i = 0; i < PER_DEVICE; i++) {
        const minute = Math.floor((T0 + i * STEP_MS) / 60_000) * 60_000;
        byMinute.set(minute, [...(byMinute.get(minute) ?? []), power(d, i)]);
      }
      for (const [minute, vs] of byMinute) expected.set(`d${d}@${minute}`, { count: vs.length, avg: vs.reduce((s, v) => s + v, 0) / vs.length });
    }
    type Rows = { w: { total: number; rows: { time: number | string; tags: Record<string, string>; fields: { power_avg: number; power_count: number } }[] } };
    let got: Rows["w"] = { total: 0, rows: [] };
    const end = Date.now() + 30_000;
    while (got.total < expected.size && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
      got = ((await (await fetch(`${runtimes[0]!.http}/windows/`)).json()) as Rows).w;
    }
    const windows = new Map(got.rows.map((r) => [`${r.tags.device}@${typeof r.time === "number" ? r.time : Date.parse(r.time)}`, r.fields]));
    expect([...windows.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, want] of expected) {
      expect(windows.get(key)!.power_count).toBe(want.count);
      expect(windows.get(key)!.power_avg).toBeCloseTo(want.avg, 6);
    }
  }, 60_000);
});
