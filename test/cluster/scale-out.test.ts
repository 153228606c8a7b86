/**
 * The scale-out test: three runtimes over one PostgreSQL store share MQTT
 * ingest through a shared subscription on Mosquitto. 50 devices publish
 * QoS 1 readings; mid-stream one runtime is killed with SIGKILL and started
 * again. Nothing is lost, redeliveries are counted (and stored once), every
 * device's 1-minute windows are what one runtime would compute from the
 * readings, the nightly job ran once, every runtime answers a query the
 * same, and a WebSocket client of runtime 1 saw readings that runtime 3 handled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import WebSocket from "ws";
import { buildRuntime, killNow, repoRoot, spawnRuntime, wattflowBin, type SpawnedRuntime } from "../services/runtime-process.js";
import { mosquittoAvailable, startMosquitto, type Mosquitto } from "../services/mosquitto.js";
import { postgresAvailable, startPostgres, type Postgres } from "../services/postgres.js";

const DEVICES = 50;
const PER_DEVICE = Number(process.env.SCALE_PER_DEVICE ?? 80);
const TOTAL = DEVICES * PER_DEVICE;
const STEP_MS = 2000;
// Readings start on a minute boundary a while ago, so their windows are whole minutes within the query's hour.
const T0 = Math.floor((Date.now() - 20 * 60_000) / 60_000) * 60_000;
const power = (d: number, i: number): number => 1000 + d * 10 + ((i * 7) % 13);
// A daily time that has passed today and does not come round during the test (which may start just before midnight).
const NIGHTLY_AT = new Date().getUTCHours() === 23 ? "12:00" : "00:00";

const FLOW = {
  format: "wattflow/flow@1",
  id: "scale",
  connections: [{ id: "broker", type: "mqtt-broker", config: { url: "${MQTT_URL}", protocolVersion: 5, receiveMaximum: 200 } }],
  nodes: [
    { id: "in", type: "mqtt-in", config: { broker: "broker", topic: "meters/{device}/reading", qos: 1, group: "ingest" }, wires: [["write"]] },
    { id: "write", type: "store-write", config: { series: "meter", fields: ["power"], tags: { device: "params.device" } }, wires: [["stamp"]] },
    { id: "stamp", type: "change", config: { rules: [{ action: "set", path: "payload.by", value: "WATTFLOW_INSTANCE", valueType: "env" }] }, wires: [["live"]] },
    { id: "live", type: "ws-out", config: { path: "/ws/readings/" } },
    // Its time has passed today: every runtime tries to catch it up at start, the cluster runs it once.
    { id: "nightly", type: "schedule", config: { at: NIGHTLY_AT, timezone: "UTC", job: "nightly" }, wires: [["announce"]] },
    { id: "announce", type: "mqtt-out", config: { broker: "broker", topic: "jobs/nightly/${WATTFLOW_INSTANCE}", qos: 1 } },
    { id: "count-in", type: "http-in", config: { method: "GET", path: "/count/" }, wires: [["count"]] },
    { id: "count", type: "store-query", config: { queries: [{ as: "stored", mode: "rows", series: "meter", hours: 2, pageSize: 1 }] }, wires: [["reply"], ["reply"]] },
    { id: "windows-in", type: "http-in", config: { method: "GET", path: "/windows/" }, wires: [["windows"]] },
    {
      id: "windows",
      type: "store-query",
      config: {
        queries: [
          { as: "avg", mode: "buckets", series: "meter", tags: { device: "{{req.query.device}}" }, every: "1m", hours: 2, reducer: "avg" },
          { as: "max", mode: "buckets", series: "meter", tags: { device: "{{req.query.device}}" }, every: "1m", hours: 2, reducer: "max" },
          { as: "count", mode: "buckets", series: "meter", tags: { device: "{{req.query.device}}" }, every: "1m", hours: 2, reducer: "count" },
        ],
      },
      wires: [["reply"], ["reply"]],
    },
    { id: "reply", type: "http-response", config: {} },
  ],
};

let db: Postgres | undefined;
let broker: Mosquitto | undefined;
let dir = "";
const runtimes = new Map<string, SpawnedRuntime>();
const cleanups: (() => Promise<unknown>)[] = [];

async function start(instance: string): Promise<SpawnedRuntime> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, { WATTFLOW_STORE: db!.url, WATTFLOW_INSTANCE: instance, MQTT_URL: broker!.url, WATTFLOW_LOG_LEVEL: "warn", NODE_ENV: "production" });
  const r = await spawnRuntime([process.execPath, wattflowBin, "start", "--flows", join(dir, "flows"), "--data", join(dir, `data-${instance}`)], { cwd: repoRoot, env });
  runtimes.set(instance, r);
  return r;
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms: number, detail: () => string = () => ""): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms ${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stored = async (r: SpawnedRuntime): Promise<number> => (await json<{ stored: { total: number } }>(`${r.http}/count/`)).stored.total;

describe.skipIf(!(mosquittoAvailable && postgresAvailable))("scale-out: three runtimes, one store, one broker", () => {
  const nightly: string[] = [];
  const seen = new Map<string, number>();
  const handledBy = new Map<string, number>();
  let devices: MqttClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wattflow-scale-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const [p, m] = await Promise.all([startPostgres({ database: "scale_out" }), startMosquitto({ persistence: true, saveEveryChange: true }), buildRuntime()]);
    db = p;
    broker = m;
    cleanups.push(() => db!.stop(), () => broker!.close());
    mkdirSync(join(dir, "flows"));
    writeFileSync(join(dir, "flows", "scale.json"), JSON.stringify(FLOW, null, 2));
    devices = await mqtt.connectAsync(broker.url, { clientId: "devices" });
    cleanups.push(() => devices.endAsync(true));
    devices.on("message", (topic) => nightly.push(topic.split("/")[2]!));
    await devices.subscribeAsync("jobs/nightly/+", { qos: 1 });
    for (const name of ["r1", "r2", "r3"]) await start(name);
  }, 120_000);

  afterAll(async () => {
    for (const r of runtimes.values()) await killNow(r.child);
    while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  }, 60_000);

  it(`${TOTAL} QoS 1 readings of ${DEVICES} devices, one runtime killed with SIGKILL and restarted mid-stream: none lost`, async () => {
    const ws = new WebSocket(`${runtimes.get("r1")!.http.replace("http", "ws")}/ws/readings/`);
    cleanups.push(async () => ws.terminate());
    ws.on("message", (data) => {
      const p = JSON.parse(String(data)) as { timestamp: number; device?: string; seq: number; by: string };
      const key = `${p.seq}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      handledBy.set(p.by, (handledBy.get(p.by) ?? 0) + 1);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });

    // Round by round, every device sends its next reading; about 500 a second.
    let sent = 0;
    let killedAt = -1;
    for (let i = 0; i < PER_DEVICE; i++) {
      const round = Promise.all(
        Array.from({ length: DEVICES }, (_, d) =>
          devices.publishAsync(`meters/d${d}/reading`, JSON.stringify({ power: power(d, i), timestamp: T0 + i * STEP_MS, seq: i * DEVICES + d }), { qos: 1 }),
        ),
      );
      sent += DEVICES;
      if (killedAt < 0 && sent >= TOTAL * 0.4) {
        killedAt = sent;
        // In the middle of a burst, so it dies with readings in hand that it has not acknowledged.
        await new Promise((r) => setTimeout(r, 3));
        await killNow(runtimes.get("r2")!.child);
        runtimes.delete("r2");
        // Readings keep coming while it is down; Mosquitto keeps r2's share in its session.
        setTimeout(() => void start("r2"), 1500);
      }
      await round;
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => runtimes.has("r2"), "r2 restarted", 60_000);
    const r1 = runtimes.get("r1")!;
    let last = 0;
    await until(async () => (last = await stored(r1)) >= TOTAL, `all ${TOTAL} stored`, 60_000, () => `(stored ${last})`);
    expect(await stored(r1)).toBe(TOTAL);

    // Redeliveries are counted (what the WebSocket stream saw twice) and stored once (the store's key).
    await until(() => seen.size >= TOTAL * 0.9, "most readings seen on the WebSocket", 10_000);
    const duplicates = [...seen.values()].reduce((n, c) => n + (c - 1), 0);
    console.log(`scale-out: ${TOTAL} sent, ${await stored(r1)} stored, ${seen.size} seen on runtime 1's WebSocket, ${duplicates} delivered twice; handled by ${JSON.stringify(Object.fromEntries(handledBy))}`);
    // Runtime 1's client heard readings that runtime 3 handled, through the database.
    expect(handledBy.get("r3") ?? 0).toBeGreaterThan(0);
    expect(handledBy.get("r1") ?? 0).toBeGreaterThan(0);
  }, 180_000);

  it("every device's 1-minute windows are what one runtime would compute from its readings, and every runtime answers the same", async () => {
    type Bucket = { time: number | string; fields: Record<string, number> };
    type Windows = { avg: Bucket[]; max: Bucket[]; count: Bucket[] };
    for (let d = 0; d < DEVICES; d++) {
      const answers = await Promise.all(["r1", "r2", "r3"].map((n) => json<Windows>(`${runtimes.get(n)!.http}/windows/?device=d${d}`)));
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
      const expected = new Map<number, number[]>();
      for (let i = 0; i < PER_DEVICE; i++) {
        const minute = Math.floor((T0 + i * STEP_MS) / 60_000) * 60_000;
        expected.set(minute, [...(expected.get(minute) ?? []), power(d, i)]);
      }
      const got = answers[0]!;
      const at = (b: Bucket): number => (typeof b.time === "number" ? b.time : Date.parse(b.time));
      expect(got.count.map((b) => [at(b), b.fields.power])).toEqual([...expected].map(([t, vs]) => [t, vs.length]));
      expect(got.max.map((b) => [at(b), b.fields.power])).toEqual([...expected].map(([t, vs]) => [t, Math.max(...vs)]));
      got.avg.forEach((b, k) => {
        const vs = [...expected.values()][k]!;
        expect(b.fields.power).toBeCloseTo(vs.reduce((s, v) => s + v, 0) / vs.length, 6);
      });
    }
  }, 60_000);

  it("the nightly job ran once across three starts and a restart", async () => {
    await until(() => nightly.length >= 1, "the nightly job's message", 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(nightly).toHaveLength(1);
    const health = await json<{ cluster: { locks: { job: string; runs: number }[] } }>(`${runtimes.get("r3")!.admin}/api/health`);
    expect(health.cluster.locks).toContainEqual(expect.objectContaining({ job: "scale/nightly", runs: 1 }));
  });
});
