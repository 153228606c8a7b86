/**
 * Three `wattflow start` processes over one PostgreSQL store and one
 * Mosquitto: a deploy (or a new or deleted flow) through one reaches the
 * others, a runtime joining with old flow files runs the cluster's latest
 * revision instead of deploying its copy, a scheduled job runs
 * once per tick and moves to another runtime when its holder is killed
 * with SIGKILL, a WebSocket client of runtime 1 hears what runtime 3
 * broadcast, and health and metrics show the backend, peers and lock holder.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import WebSocket from "ws";
import { buildRuntime, killNow, repoRoot, spawnRuntime, wattflowBin, type SpawnedRuntime } from "../services/runtime-process.js";
import { mosquittoAvailable, startMosquitto, type Mosquitto } from "../services/mosquitto.js";
import { postgresAvailable, startPostgres, type Postgres } from "../services/postgres.js";

const JOB_EVERY_S = 2;

let db: Postgres | undefined;
let broker: Mosquitto | undefined;
let dir: string;
const runtimes = new Map<string, SpawnedRuntime>();
const cleanups: (() => Promise<unknown>)[] = [];

function flow(label: string): Record<string, unknown> {
  return {
    format: "wattflow/flow@1",
    id: "shared",
    label,
    connections: [{ id: "broker", type: "mqtt-broker", config: { url: "${MQTT_URL}", clientId: "jobs-${WATTFLOW_INSTANCE}", clean: true } }],
    nodes: [
      // Once per cluster: every runtime's cron fires, the job's lock holder runs it and says so on MQTT.
      {
        id: "prune",
        type: "retention",
        config: { cron: `*/${JOB_EVERY_S} * * * * *`, rules: [{ series: "demo.*", keep: "1d" }] },
        wires: [["ran"]],
      },
      { id: "ran", type: "mqtt-out", config: { broker: "broker", topic: "jobs/${WATTFLOW_INSTANCE}", qos: 1 } },
      { id: "post", type: "http-in", config: { method: "POST", path: "/publish/" }, wires: [["live", "ok"]] },
      { id: "live", type: "ws-out", config: { path: "/ws/live/" } },
      { id: "ok", type: "http-response", config: { status: 202 } },
    ],
  };
}

async function start(instance: string, flowsDir = join(dir, "flows")): Promise<SpawnedRuntime> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, { WATTFLOW_STORE: db!.url, WATTFLOW_INSTANCE: instance, MQTT_URL: broker!.url, WATTFLOW_LOG_LEVEL: "info", NODE_ENV: "production" });
  const r = await spawnRuntime([process.execPath, wattflowBin, "start", "--flows", flowsDir, "--data", join(dir, `data-${instance}`)], { cwd: repoRoot, env });
  runtimes.set(instance, r);
  return r;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ready = mosquittoAvailable && postgresAvailable;

describe.skipIf(!ready)("three runtimes over one PostgreSQL store", () => {
  /** Every job run the runtimes reported: who ran it, for which slot, and the cluster's last run before it. */
  const runs: { by: string; slot: string; lastRun: string | null }[] = [];
  let listener: MqttClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wattflow-cluster-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    [db, broker] = await Promise.all([startPostgres({ database: "cluster_runtimes" }), startMosquitto(), buildRuntime()]).then(([p, m]) => [p, m] as const);
    cleanups.push(() => db!.stop(), () => broker!.close());
    mkdirSync(join(dir, "flows"));
    writeFileSync(join(dir, "flows", "shared.json"), JSON.stringify(flow("first"), null, 2));
    listener = await mqtt.connectAsync(broker.url, { clientId: "test-listener" });
    cleanups.push(() => listener.endAsync(true));
    listener.on("message", (topic, payload) => {
      const report = JSON.parse(payload.toString()) as { slot: string; lastRun: string | null };
      runs.push({ by: topic.split("/")[1]!, slot: report.slot, lastRun: report.lastRun });
    });
    await listener.subscribeAsync("jobs/#", { qos: 1 });
    // One after another: the first records revision 1, the others find it in the shared history.
    for (const name of ["r1", "r2", "r3"]) await start(name);
  }, 120_000);

  afterAll(async () => {
    for (const r of runtimes.values()) await killNow(r.child);
    while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  }, 60_000);

  it("a deploy through runtime 1's admin API runs on runtimes 2 and 3, as the same revision", async () => {
    const r = (n: string): SpawnedRuntime => runtimes.get(n)!;
    const before = await json<{ revision: number; hash: string }>(`${r("r2").admin}/api/flows/shared`);
    const deployed = await json<{ revision: number; hash: string }>(`${r("r1").admin}/api/flows/shared`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ flow: flow("second"), expectedRevision: before.revision, message: "relabel" }),
    });
    expect(deployed.revision).toBe(before.revision + 1);
    for (const name of ["r2", "r3"]) {
      await until(async () => (await json<{ hash: string }>(`${r(name).admin}/api/flows/shared`)).hash === deployed.hash, `${name} runs the new revision`, 10_000);
      const detail = await json<{ revision: number; flow: { label: string } }>(`${r(name).admin}/api/flows/shared`);
      expect(detail).toMatchObject({ revision: deployed.revision, flow: { label: "second" } });
    }
    // One history: every runtime lists the same revisions.
    const lists = await Promise.all(["r1", "r2", "r3"].map((n) => json<{ revision: number }[]>(`${r(n).admin}/api/flows/shared/revisions`)));
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    // A deploy based on the old revision is refused by any runtime.
    const stale = await fetch(`${r("r3").admin}/api/flows/shared`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ flow: flow("third"), expectedRevision: before.revision }),
    });
    expect(stale.status).toBe(409);
  });

  it("a flow created through runtime 1 appears on runtime 3, and deleting it on runtime 3 removes it from runtime 1", async () => {
    const r = (n: string): SpawnedRuntime => runtimes.get(n)!;
    const extra = { format: "wattflow/flow@1", id: "extra", nodes: [{ id: "note", type: "comment", config: {} }] };
    const created = await fetch(`${r("r1").admin}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ flow: extra }) });
    expect(created.status).toBe(201);
    await until(async () => (await fetch(`${r("r3").admin}/api/flows/extra`)).status === 200, "extra on r3", 10_000);
    expect((await fetch(`${r("r3").admin}/api/flows/extra`, { method: "DELETE" })).status).toBe(204);
    await until(async () => (await fetch(`${r("r1").admin}/api/flows/extra`)).status === 404, "extra gone from r1", 10_000);
  });

  it("a runtime joining with an old copy of the flow files runs the cluster's latest revision, and reverts no one", async () => {
    const r = (n: string): SpawnedRuntime => runtimes.get(n)!;
    const latest = await json<{ revision: number; hash: string; flow: { label: string } }>(`${r("r1").admin}/api/flows/shared`);
    // Its own folder, written before the deploys above (an old copy on another machine).
    const own = join(dir, "flows-r4");
    mkdirSync(own);
    writeFileSync(join(own, "shared.json"), JSON.stringify(flow("first"), null, 2));
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(join(own, "shared.json"), past, past);
    await start("r4", own);
    const joined = await json<{ revision: number; hash: string }>(`${r("r4").admin}/api/flows/shared`);
    expect(joined).toMatchObject({ revision: latest.revision, hash: latest.hash });
    expect(JSON.parse(readFileSync(join(own, "shared.json"), "utf8"))).toMatchObject({ label: latest.flow.label });
    expect(await json<{ revision: number }>(`${r("r1").admin}/api/flows/shared`)).toMatchObject({ revision: latest.revision });
    // A clean stop leaves the peers at once (and gives up any job lock it took).
    const stopped = r("r4");
    runtimes.delete("r4");
    stopped.child.kill("SIGTERM");
    expect(await stopped.exited).toBe(0);
  });

  it("a WebSocket client of runtime 1 receives what runtime 3 broadcast, small and beyond NOTIFY's 8000 bytes", async () => {
    const ws = new WebSocket(`${runtimes.get("r1")!.http.replace("http", "ws")}/ws/live/`);
    cleanups.push(async () => ws.terminate());
    const frames: string[] = [];
    ws.on("message", (data) => frames.push(String(data)));
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const big = { reading: "x".repeat(20_000) };
    for (const body of [{ hello: "from r3" }, big]) {
      const res = await fetch(`${runtimes.get("r3")!.http}/publish/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(202);
    }
    await until(() => frames.length >= 2, "two frames on runtime 1", 5000);
    expect(frames.map((f) => JSON.parse(f) as unknown)).toEqual([{ hello: "from r3" }, big]);
  });

  it("the scheduled job runs once per tick; killed with SIGKILL, its holder's job moves to another runtime without a gap", async () => {
    await until(() => runs.length >= 3, "three job runs", 15_000);
    const holder = runs[runs.length - 1]!.by;
    // Health on another runtime names the holder and the live peers.
    const other = ["r1", "r2", "r3"].find((n) => n !== holder)!;
    const health = await json<{ backend: string; cluster: { peers: { instance: string }[]; locks: { job: string; holder: string | null }[] } }>(`${runtimes.get(other)!.admin}/api/health`);
    expect(health.backend).toBe("postgresql");
    expect(health.cluster.peers.map((p) => p.instance).sort()).toEqual(["r1", "r2", "r3"]);
    expect(health.cluster.locks).toContainEqual(expect.objectContaining({ job: "shared/prune", holder }));
    const metrics = await (await fetch(`${runtimes.get(other)!.admin}/metrics`)).text();
    expect(metrics).toContain('wattflow_store_backend{backend="postgresql"} 1');
    expect(metrics).toMatch(new RegExp(`wattflow_cluster_job_holder\\{job="shared/prune",holder="${holder}"\\} 1`));
    expect(metrics).toMatch(/wattflow_cluster_peers 3/);

    // Killed halfway between two ticks, so the holder is not caught between running a slot and recording it
    // (that would be a slot run twice, which at-least-once allows but this count would not tell apart).
    const tick = JOB_EVERY_S * 1000;
    await new Promise((r) => setTimeout(r, tick - ((Date.now() + tick / 2) % tick)));
    const killedAt = runs.length;
    await killNow(runtimes.get(holder)!.child);
    runtimes.delete(holder);
    await until(() => runs.length >= killedAt + 3, "three more runs after the kill", 20_000);
    const after = runs.slice(killedAt);
    expect(after.every((r) => r.by !== holder)).toBe(true);
    // Once per tick: no slot twice, and consecutive slots without a gap across the takeover.
    const slots = runs.map((r) => Date.parse(r.slot));
    expect(new Set(slots).size).toBe(slots.length);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBe(JOB_EVERY_S * 1000);
    // The new holder knew where the dead one stopped.
    expect(after[0]!.lastRun).toBe(runs[killedAt - 1]!.slot);
    const peers = await json<{ cluster: { peers: { instance: string }[] } }>(`${runtimes.get(other)!.admin}/api/health`);
    await until(
      async () => !(await json<{ cluster: { peers: { instance: string }[] } }>(`${runtimes.get(other)!.admin}/api/health`)).cluster.peers.some((p) => p.instance === holder),
      "the killed runtime gone from the peers",
      10_000,
    );
    expect(peers.cluster.peers.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
