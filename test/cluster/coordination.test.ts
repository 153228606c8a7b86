/**
 * The cluster's parts over a real PostgreSQL, with three Cluster members in
 * this process: heartbeats and peers, one run per job slot, a takeover when
 * the holder's database sessions die (what a killed process leaves), and
 * channels carrying messages larger than NOTIFY takes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import pino from "pino";
import { Cluster } from "../../packages/runtime/src/cluster/index.js";
import { postgresAvailable, startPostgres, type Postgres } from "../services/postgres.js";

const log = pino({ level: "silent" });
let db: Postgres;
const members: Cluster[] = [];

beforeAll(async () => {
  db = await startPostgres({ database: "cluster_parts" });
}, 60_000);

afterAll(async () => {
  for (const m of members) await m.stop().catch(() => undefined);
  await db?.stop();
});

async function member(instance: string): Promise<Cluster> {
  const m = await Cluster.start({ url: db.url, instance, log, heartbeatMs: 200, jobRetryMs: 50 });
  members.push(m);
  return m;
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Ends every database session of an instance from the server side, as the death of its process would. */
async function killSessions(instance: string): Promise<void> {
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  try {
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [`wattflow:${instance}`]);
  } finally {
    await admin.end();
  }
}

describe.skipIf(!postgresAvailable)("cluster coordination over PostgreSQL", () => {
  let a: Cluster, b: Cluster, c: Cluster;

  beforeAll(async () => {
    a = await member("a");
    b = await member("b");
    c = await member("c");
  });

  it("each member sees the others alive, and refuses a second runtime under a live instance id", async () => {
    const view = await b.view();
    expect(view.backend).toBe("postgresql");
    expect(view.peers.map((p) => p.instance).sort()).toEqual(["a", "b", "c"]);
    expect(view.peers.every((p) => p.ageSeconds < 1)).toBe(true);
    await expect(Cluster.start({ url: db.url, instance: "a", log })).rejects.toThrow(/instance id "a" is in use by a running Wattflow runtime/);
  });

  it("runs each slot of a job once across three members ticking together, on the lock holder", async () => {
    const ran: { slot: number; by: string }[] = [];
    const tick = (slot: number): Promise<string[]> =>
      Promise.all(
        [a, b, c].map((m) =>
          m.jobs.run("demo/nightly", slot, async () => {
            ran.push({ slot, by: m.instance });
            await new Promise((r) => setTimeout(r, 30));
          }),
        ),
      );
    for (let slot = 1000; slot <= 5000; slot += 1000) {
      const outcomes = await tick(slot);
      expect(outcomes.filter((o) => o === "ran")).toHaveLength(1);
    }
    expect(ran.map((r) => r.slot)).toEqual([1000, 2000, 3000, 4000, 5000]);
    // The first to take the lock keeps it: every slot ran on one member.
    expect(new Set(ran.map((r) => r.by)).size).toBe(1);
    const locks = (await a.view()).locks.find((l) => l.job === "demo/nightly")!;
    expect(locks).toMatchObject({ holder: ran[0]!.by, runs: 5, lastRun: new Date(5000).toISOString() });
  });

  it("when the holder dies mid-run, a waiting member takes the lock and runs the unfinished slot", async () => {
    const holder = (await a.view()).locks.find((l) => l.job === "demo/nightly")!.holder!;
    const byName = new Map([a, b, c].map((m) => [m.instance, m]));
    const others = [...byName.values()].filter((m) => m.instance !== holder);
    const ran: string[] = [];
    let entered!: () => void;
    const started = new Promise<void>((r) => (entered = r));
    // The holder starts slot 6000 and never finishes it: its sessions end while it works.
    void byName.get(holder)!.jobs.run("demo/nightly", 6000, async () => {
      entered();
      await new Promise(() => undefined);
    });
    await started;
    const waiting = others.map((m) =>
      m.jobs.run("demo/nightly", 6000, async ({ lastRun }) => {
        ran.push(`${m.instance}:${lastRun}`);
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(ran).toEqual([]);
    await killSessions(holder);
    const outcomes = await Promise.all(waiting);
    expect(outcomes.sort()).toEqual(["already-done", "ran"]);
    // It knows what it catches up from: the dead holder's last completed slot.
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatch(/:5000$/);
    const lock = (await others[0]!.view()).locks.find((l) => l.job === "demo/nightly")!;
    expect(lock.holder).toBe(ran[0]!.split(":")[0]);
    expect(lock.runs).toBe(6);
  });

  it("a member that stops leaves the peers; a silent one drops out after three heartbeats", async () => {
    await c.stop();
    expect((await b.view()).peers.map((p) => p.instance)).not.toContain("c");
    // A row whose heartbeat stopped (a machine that vanished without a word) ages out by the database's clock.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query("INSERT INTO wattflow_cluster_peers (instance, host, pid, started, last_seen) VALUES ('ghost', 'gone', 1, now(), now())");
      expect((await b.view()).peers.map((p) => p.instance)).toContain("ghost");
      await until(async () => !(await b.view()).peers.some((p) => p.instance === "ghost"), "ghost gone from the peers", 3000);
    } finally {
      await admin.end();
    }
  });

  it("a store in a schema of its own is a cluster of its own: its peers, job locks and channels are apart", async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query("CREATE SCHEMA IF NOT EXISTS site_b");
    await admin.end();
    const other = await Cluster.start({ url: db.url, schema: "site_b", instance: "a", log, heartbeatMs: 200, jobRetryMs: 50 });
    members.push(other);
    expect((await other.view()).peers.map((p) => p.instance)).toEqual(["a"]);
    expect((await a.view()).peers.map((p) => p.instance)).not.toContain("site_b/a");
    // The same job name under another schema is another lock: both run their slot.
    expect(await other.jobs.run("demo/nightly", 9000, async () => undefined)).toBe("ran");
    const here = await Promise.all([a, b].map((m) => m.jobs.run("demo/nightly", 9000, async () => undefined)));
    expect(here.filter((o) => o === "ran")).toHaveLength(1);
    expect((await other.view()).locks).toEqual([expect.objectContaining({ job: "demo/nightly", holder: "a", runs: 1 })]);
  });

  it("channels deliver to the other members in order, small messages batched and large ones through a row", async () => {
    const x = await member("x");
    const y = await member("y");
    const got: string[] = [];
    let echoed = 0;
    await y.subscribe("demo", (m, from) => {
      expect(from).toBe("x");
      got.push(m);
    });
    await x.subscribe("demo", () => (echoed += 1));
    const big = "é".repeat(6000); // 12,000 bytes: beyond NOTIFY's 8000
    const sent = ["one", big, ...Array.from({ length: 500 }, (_, i) => `m${i}`), `${big}!`, "last"];
    for (const m of sent) x.publish("demo", m);
    await until(() => got.length === sent.length, "all messages received");
    expect(got).toEqual(sent);
    expect(echoed).toBe(0);
  });
});
