/**
 * `inject` with `cluster: "one"` on two runtimes sharing a real PostgreSQL:
 * each interval period fires once across both, on the holder of the node's
 * lock, and the other runtime takes over when the holder's sessions die.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import pino from "pino";
import { nodes } from "@wattflow/nodes";
import { Cluster } from "../../packages/runtime/src/cluster/index.js";
import { startTestFlow, until, type TestFlow } from "../../packages/runtime/src/testing/index.js";
import { postgresAvailable, startPostgres, type Postgres } from "../services/postgres.js";

const log = pino({ level: "silent" });
const PERIOD_MS = 200;
let db: Postgres;
const members: Cluster[] = [];
const flows: TestFlow[] = [];

beforeAll(async () => {
  if (postgresAvailable) db = await startPostgres({ database: "inject_one" });
}, 60_000);

afterAll(async () => {
  for (const f of flows) await f.stop().catch(() => undefined);
  for (const m of members) await m.stop().catch(() => undefined);
  await db?.stop();
});

const flow = (id: string) => ({
  id,
  nodes: [
    { id: "tick", type: "inject", config: { interval: `${PERIOD_MS}ms`, cluster: "one" }, wires: [["seen"]] },
    { id: "seen", type: "test-collect", config: {} },
  ],
});

async function runtime(instance: string, flowId = "poll"): Promise<{ member: Cluster; flow: TestFlow }> {
  const member = await Cluster.start({ url: db.url, instance, log, heartbeatMs: 200, jobRetryMs: 20 });
  members.push(member);
  const started = await startTestFlow(flow(flowId), { nodes, flowId, jobs: member.jobs });
  flows.push(started);
  return { member, flow: started };
}

/** The interval period each collected tick fired in (its payload is the time it fired). */
const periods = (f: TestFlow): number[] => f.received("seen").map((m) => Math.floor((m.payload as number) / PERIOD_MS));

describe.skipIf(!postgresAvailable)("inject once per cluster", () => {
  it("fires each period once across two runtimes, and the survivor goes on when the holder dies", async () => {
    const a = await runtime("a");
    const b = await runtime("b");
    await until(() => periods(a.flow).length + periods(b.flow).length >= 8, 10_000, "eight ticks");
    const both = [...periods(a.flow), ...periods(b.flow)];
    // Each period fired once across the two, though both runtimes tick in every one.
    expect(new Set(both).size).toBe(both.length);
    const holder = a.flow.received("seen").length > 0 ? a : b;
    const other = holder === a ? b : a;
    expect(other.flow.received("seen")).toHaveLength(0);

    // The holder's process dies: its database sessions end, and the other runtime's ticks take the lock.
    await holder.flow.stop();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [`wattflow:${holder.member.instance}`]);
    } finally {
      await admin.end();
    }
    const before = other.flow.received("seen").length;
    await other.flow.waitFor("seen", before + 3, 5000);
    const all = [...periods(holder.flow), ...periods(other.flow)];
    expect(new Set(all).size).toBe(all.length);
  });

  it("a runtime that stops running the flow, though its process lives on, lets the job go to one that still runs it", async () => {
    const c = await runtime("c", "poll2");
    const d = await runtime("d", "poll2");
    await until(() => c.flow.received("seen").length + d.flow.received("seen").length >= 3, 10_000, "ticks");
    const holder = c.flow.received("seen").length > 0 ? c : d;
    const other = holder === c ? d : c;
    // Only the flow stops; the holder's database sessions, and its lock session, stay.
    await holder.flow.stop();
    const before = other.flow.received("seen").length;
    await other.flow.waitFor("seen", before + 3, 5000);
    expect((await other.member.view()).locks.find((l) => l.job === "poll2/tick")?.holder).toBe(other.member.instance);
  });
});
