/**
 * `modbus-read` with `cluster: "one"` on two `wattflow start` processes over
 * one PostgreSQL store, polling one Modbus TCP server: the server sees one
 * poll per interval period, not one per runtime, and when the runtime
 * holding the poller's lock is killed with SIGKILL the other polls on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRuntime, killNow, repoRoot, spawnRuntime, wattflowBin, type SpawnedRuntime } from "../services/runtime-process.js";
import { postgresAvailable, startPostgres, type Postgres } from "../services/postgres.js";
import { startEpeverSimulator, type RunningSimulator } from "../../packages/nodes/src/modbus/simulator.js";

const PERIOD_MS = 500;
const JOB = "meter/poll";

let db: Postgres | undefined;
let device: RunningSimulator | undefined;
let dir: string | undefined;
const runtimes = new Map<string, SpawnedRuntime>();
/** When the device answered each request (the simulator reads its clock once per request). */
const requests: number[] = [];

const flow = {
  format: "wattflow/flow@1",
  id: "meter",
  connections: [{ id: "dev", type: "modbus-device", config: { url: "${MODBUS_URL}", timeout: "1s", retries: 0 } }],
  nodes: [
    {
      id: "poll",
      type: "modbus-read",
      // One register: one request per poll.
      config: { device: "dev", interval: `${PERIOD_MS}ms`, cluster: "one", map: "custom", registers: [{ name: "pv.voltage", address: 0x3100, function: "input", scale: 0.01, unit: "V" }] },
    },
  ],
};

async function start(instance: string): Promise<SpawnedRuntime> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, { WATTFLOW_STORE: db!.url, WATTFLOW_INSTANCE: instance, MODBUS_URL: device!.url, WATTFLOW_LOG_LEVEL: "info", NODE_ENV: "production" });
  const r = await spawnRuntime([process.execPath, wattflowBin, "start", "--flows", join(dir!, "flows"), "--data", join(dir!, `data-${instance}`)], { cwd: repoRoot, env });
  runtimes.set(instance, r);
  return r;
}

async function holderSeenBy(r: SpawnedRuntime): Promise<string | null> {
  const res = await fetch(`${r.admin}/api/health`);
  const health = (await res.json()) as { cluster?: { locks: { job: string; holder: string | null }[] } };
  return health.cluster?.locks.find((l) => l.job === JOB)?.holder ?? null;
}

async function until<T>(check: () => Promise<T | null | undefined>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const found = await check();
    if (found !== null && found !== undefined) return found;
    if (Date.now() > end) throw new Error(`${what} not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * How long the device took to hear `n` requests from `from` on, first to last (null until it heard them). A request
 * reaches the device some milliseconds after its runtime's tick (database round trips, then Modbus), so requests are
 * not counted per period by their own time: n polls, one per period, span about n - 1 periods; two runtimes polling
 * each period hear n in half that.
 */
function spanOf(from: number, n: number): number | null {
  const times = requests.filter((t) => t >= from).slice(0, n);
  return times.length < n ? null : times[n - 1]! - times[0]!;
}

describe.skipIf(!postgresAvailable)("modbus-read once per cluster", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wattflow-modbus-one-"));
    mkdirSync(join(dir, "flows"));
    writeFileSync(join(dir, "flows", "meter.json"), JSON.stringify(flow, null, 2));
    [db, device] = await Promise.all([
      startPostgres({ database: "modbus_one" }),
      startEpeverSimulator({
        now: () => {
          const t = Date.now();
          requests.push(t);
          return t;
        },
      }),
      buildRuntime(),
    ]);
    // One after another: the first records the flow's revision, the second finds it.
    await start("a");
    await start("b");
  }, 120_000);

  afterAll(async () => {
    for (const r of runtimes.values()) await killNow(r.child);
    await device?.close().catch(() => undefined);
    await db?.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("polls the device once per interval across two runtimes, and the survivor polls on when the holder is killed", async () => {
    const [a, b] = [runtimes.get("a")!, runtimes.get("b")!];
    const holder = await until(() => holderSeenBy(b), "a holder of the poller's lock");
    expect(["a", "b"]).toContain(holder);
    const other = holder === "a" ? "b" : "a";

    // Both runtimes run the flow and tick every period; the device hears one of them.
    let from = Date.now();
    let span = await until(async () => spanOf(from, 8), "eight polls");
    // Seven periods between the first and the eighth; two runtimes polling would take about four.
    expect(span, "eight polls, one per period").toBeGreaterThan(5.5 * PERIOD_MS);
    expect(await holderSeenBy(a)).toBe(holder);

    // The holder dies without a word: its database session ends with it, and with the session its lock.
    await killNow(runtimes.get(holder)!.child);
    runtimes.delete(holder);
    const survivor = runtimes.get(other)!;
    await until(async () => ((await holderSeenBy(survivor)) === other ? true : null), "the survivor taking the lock");
    from = Date.now();
    span = await until(async () => spanOf(from, 8), "eight polls by the survivor");
    expect(span, "eight polls, one per period").toBeGreaterThan(5.5 * PERIOD_MS);
  });
});
