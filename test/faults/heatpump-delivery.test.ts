/**
 * At-least-once delivery of the shipped heat pump flow, proven with real
 * processes: the runtime (`wattflow start`) and Mosquitto (with persistence)
 * are killed and restarted while a controller publishes QoS 1 readings, and
 * afterwards every reading the broker acknowledged must be in the store
 * (and in InfluxDB, for the probe that kills influxd).
 * Readings sent again land on the same series and timestamp, so the store
 * holds each once; how many were handled twice is reported, not asserted.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import mqtt from "mqtt";
import { join } from "node:path";
import { mosquittoAvailable, startMosquitto, type Mosquitto } from "../services/mosquitto.js";
import { influxdAvailable, startInfluxd } from "../services/influxd.js";
import { buildRuntime, runtimeFolder, type RuntimeFolder, type RuntimeProcess } from "./runtime-process.js";
import { startPublisher, type Publisher } from "./publisher.js";

const HEATPUMP_FLOW = new URL("../../flows/heatpump.json", import.meta.url);
const DEVICE = "fault-site";
// A few thousand readings keep each probe within seconds; an operator can run a longer one with
// FAULT_READINGS=20000 FAULT_RATE=200 npm run test:faults.
const TOTAL = Number(process.env.FAULT_READINGS ?? 3000);
const PER_SECOND = Number(process.env.FAULT_RATE ?? 300);
const STREAM_MS = (TOTAL / PER_SECOND) * 1000;
/** Waits that include publishing the whole stream. */
const WAIT_MS = STREAM_MS + 20_000;
const TEST_MS = 2 * STREAM_MS + 60_000;
const FIRST_READING = Date.parse("2026-01-01T00:00:00Z");

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

interface Tally {
  published: number;
  stored: number;
  lost: number;
  /** Readings the flow handled more than once (redelivered after a fault); the store keeps each once. */
  handledTwice: number;
  /** The last runtime's log messages, and those about its MQTT connection. */
  log: string[];
  mqttLog: string[];
}

/** Reads the store file directly (read-only; SQLite in WAL mode lets the runtime keep writing meanwhile). */
function readStore(data: string): { stored: number; handled: number; missing: number[] } {
  const db = new Database(join(data, "wattflow.db"), { readonly: true, fileMustExist: true });
  try {
    const times = db
      .prepare("SELECT p.time AS t FROM points p JOIN series s ON s.id = p.series_id WHERE s.name = ? AND s.tags = ?")
      .all("heatpump.sensor_reading.temperature.inlet", JSON.stringify({ device_id: DEVICE })) as { t: number }[];
    const have = new Set(times.map((r) => (r.t - FIRST_READING) / 1000));
    const missing: number[] = [];
    for (let i = 0; i < TOTAL && missing.length < 20; i++) if (!have.has(i)) missing.push(i);
    // The flow counts each reading it handles in its context (in the same database), redeliveries included.
    const ctx = db.prepare("SELECT value FROM context WHERE scope = ? AND key = ?").get("flow:heatpump", "devices") as { value: string } | undefined;
    const devices = ctx ? (JSON.parse(ctx.value) as Record<string, { readings?: number }>) : {};
    return { stored: times.length, handled: devices[DEVICE]?.readings ?? 0, missing };
  } catch (err) {
    // Before the first write the tables may not be there yet.
    if (err instanceof Error && /no such table/.test(err.message)) return { stored: 0, handled: 0, missing: [] };
    throw err;
  } finally {
    db.close();
  }
}

describe.skipIf(!mosquittoAvailable)("the shipped heat pump flow loses no QoS 1 reading (real runtime, real Mosquitto)", () => {
  let broker: Mosquitto;
  let folder: RuntimeFolder;
  let runtime: RuntimeProcess | null = null;
  let publisher: Publisher;

  beforeAll(async () => {
    await buildRuntime();
  }, 200_000);

  let extraEnv: Record<string, string> = {};
  const setUp = async (env: Record<string, string> = {}): Promise<void> => {
    extraEnv = env;
    broker = await startMosquitto({ persistence: true, saveEveryChange: true });
    cleanups.push(() => broker.close());
    folder = runtimeFolder([HEATPUMP_FLOW]);
    cleanups.push(() => folder.close());
    await startRuntime();
    await subscribed();
    publisher = await startPublisher({ url: broker.url, deviceId: DEVICE, total: TOTAL, perSecond: PER_SECOND, firstReading: FIRST_READING });
    cleanups.push(() => publisher.close());
  };

  const startRuntime = async (): Promise<void> => {
    // The flow's own defaults are under test: only the broker is given, and InfluxDB only where a probe adds it.
    runtime = await folder.start({ MQTT_URL: broker.url, INFLUX_URL: undefined, MQTT_USER: undefined, MQTT_PASSWORD: undefined, WATTFLOW_LOG_LEVEL: "info", ...extraEnv });
  };

  /**
   * Waits until a reading from another device has gone through the flow: the runtime's subscription is then
   * in place at the broker, which keeps it from here on. (Before it exists, a broker drops what is published:
   * that is MQTT, not a loss.)
   */
  const subscribed = async (): Promise<void> => {
    const probe = await mqtt.connectAsync(broker.url, { clientId: `fault-probe-${process.pid}` });
    try {
      const end = Date.now() + 20_000;
      for (;;) {
        await probe.publishAsync("heatpump/warmup/data", JSON.stringify({ timestamp: new Date().toISOString(), cop: 3 }), { qos: 1 });
        const res = await fetch(new URL("api/devices/warmup/readings/latest", runtime!.http));
        if (res.status === 200) return;
        if (Date.now() > end) throw new Error(`the runtime did not subscribe within 20 s:\n${runtime!.output().slice(-3000)}`);
        await sleep(100);
      }
    } finally {
      await probe.endAsync(true);
    }
  };

  const stopRuntime = async (signal: NodeJS.Signals): Promise<void> => {
    await runtime?.kill(signal);
    runtime = null;
  };

  /** Waits for the publisher and for the store to settle, stops the runtime cleanly and counts. */
  const tally = async (probe: string): Promise<Tally> => {
    await publisher.finished(WAIT_MS);
    let last = -1;
    let stableSince = Date.now();
    // Settled: everything arrived, or nothing changed for two seconds.
    await waitUntil(
      () => {
        const { stored } = readStore(folder.data);
        if (stored !== last) {
          last = stored;
          stableSince = Date.now();
        }
        return stored >= TOTAL || Date.now() - stableSince > 2000;
      },
      WAIT_MS,
      "the store settling",
    );
    const log = runtime?.output() ?? "";
    await stopRuntime("SIGTERM");
    const { stored, handled, missing } = readStore(folder.data);
    const messages = log.split("\n").flatMap((l) => {
      const msg = /^\{.*"msg":/.test(l) ? (JSON.parse(l) as { msg?: unknown }).msg : undefined;
      return typeof msg === "string" ? [msg] : [];
    });
    const mqttLog = messages.filter((m) => m.startsWith("MQTT "));
    const result: Tally = { published: publisher.acknowledged, stored, lost: publisher.acknowledged - stored, handledTwice: Math.max(0, handled - stored), log: messages, mqttLog };
    console.log(`${probe}: published ${result.published}, stored ${result.stored}, lost ${result.lost}, handled twice ${result.handledTwice}`);
    if (result.lost !== 0) console.log(`readings missing (first 20, by index): ${missing.join(", ")}\n${log.split("\n").slice(-60).join("\n")}`);
    return result;
  };

  it("the runtime killed (SIGKILL) twice mid-stream and restarted", async () => {
    await setUp();
    for (const at of [TOTAL / 3, (2 * TOTAL) / 3]) {
      await waitUntil(() => publisher.acknowledged >= at, WAIT_MS, `${at} readings published`);
      await stopRuntime("SIGKILL");
      await sleep(500);
      await startRuntime();
    }
    const t = await tally("runtime SIGKILL x2");
    expect(t.published).toBe(TOTAL);
    expect(t.stored).toBe(TOTAL);
  }, TEST_MS);

  it("the runtime stopped (SIGTERM) mid-stream, readings published while it is down, then restarted", async () => {
    await setUp();
    await waitUntil(() => publisher.acknowledged >= TOTAL / 3, WAIT_MS, "a third published");
    await stopRuntime("SIGTERM");
    // Two seconds' worth of readings reach the broker while the runtime is down (it keeps them for the session).
    const whileDown = publisher.acknowledged;
    await waitUntil(() => publisher.acknowledged - whileDown > 2 * PER_SECOND, WAIT_MS, "readings published while the runtime is down");
    await startRuntime();
    const t = await tally("runtime SIGTERM");
    expect(t.published).toBe(TOTAL);
    expect(t.stored).toBe(TOTAL);
  }, TEST_MS);

  it("Mosquitto killed (SIGKILL) mid-stream and restarted", async () => {
    await setUp();
    await waitUntil(() => publisher.acknowledged >= TOTAL / 3, WAIT_MS, "a third published");
    await broker.stop("SIGKILL");
    await sleep(1500);
    await broker.start();
    const t = await tally("Mosquitto SIGKILL");
    expect(t.published).toBe(TOTAL);
    expect(t.stored).toBe(TOTAL);
    console.log(t.mqttLog.join("\n"));
    // One line when the connection went and one when it came back, however many attempts it took.
    expect(t.mqttLog.filter((m) => m.startsWith("MQTT connection lost"))).toHaveLength(1);
    expect(t.mqttLog.filter((m) => /^MQTT reconnected after \d+\.\d s \(session resumed\)$/.test(m))).toHaveLength(1);
  }, TEST_MS);

  it.skipIf(!influxdAvailable)("InfluxDB killed (SIGKILL) mid-stream and restarted: the store and InfluxDB both get every reading", async () => {
    const influx = await startInfluxd();
    cleanups.push(() => influx.close());
    await influx.query("heatpump", "CREATE DATABASE heatpump");
    await setUp({ INFLUX_URL: influx.url, INFLUX_VERSION: "v1", INFLUX_DATABASE: "heatpump" });
    const inInflux = async (): Promise<number> => {
      const r = await influx.query("heatpump", `SELECT count(cop) FROM sensor_reading WHERE device_id = '${DEVICE}'`);
      return Number(r.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
    };
    await waitUntil(() => publisher.acknowledged >= TOTAL / 3, WAIT_MS, "a third published");
    await influx.stop("SIGKILL");
    await sleep(1500);
    await influx.start();
    await publisher.finished(WAIT_MS);
    // The outbox drains on the writer's retry schedule once influxd answers again.
    let points = 0;
    const end = Date.now() + WAIT_MS;
    while ((points = await inInflux()) < TOTAL && Date.now() < end) await sleep(250);
    const t = await tally("InfluxDB SIGKILL");
    console.log(`InfluxDB SIGKILL: ${points} of ${TOTAL} readings in InfluxDB`);
    expect(t.published).toBe(TOTAL);
    expect(t.stored).toBe(TOTAL);
    expect(points).toBe(TOTAL);
    expect(t.log.some((m) => /InfluxDB is away/.test(m))).toBe(true);
  }, TEST_MS);
});
