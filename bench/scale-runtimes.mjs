// Scale-out benchmark: 1, 2 and 3 Wattflow runtimes (one process each) sharing one MQTT stream through a
// shared subscription on one Mosquitto, each writing to its own SQLite store. The backlog is queued first
// for the group's persistent sessions (Mosquitto hands each member its round-robin share while it is away),
// so the publisher takes no CPU while the runtimes drain. Reports messages per second of the whole group and
// CPU milliseconds per 1,000 messages (all runtimes together): on a machine with fewer cores than runtimes,
// the per-message cost is the figure to scale from. `node bench/scale-runtimes.mjs` runs it alone (after a build).
import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";
import mqtt from "mqtt";
import { startMosquitto } from "./mosquitto.mjs";
import { startPostgres } from "./postgres.mjs";
import { openStoreFrom } from "../packages/runtime/dist/store/index.js";
import { FILTER, reading } from "./mqtt-scenario.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString("en-US");

async function preload(url, clientIds, group, messages) {
  for (const clientId of clientIds) {
    // A 3.1.1 session: it outlives this connection without a session expiry (MQTT 5 would need one).
    const session = await mqtt.connectAsync(url, { clientId, clean: false });
    await session.subscribeAsync(`$share/${group}/${FILTER}`, { qos: 1 });
    await session.endAsync();
  }
  const publisher = await mqtt.connectAsync(url);
  for (let i = 0; i < messages; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(messages, i + 1000); j++) {
      const r = reading(j);
      batch.push(publisher.publishAsync(r.topic, JSON.stringify(r.payload), { qos: 1 }));
    }
    await Promise.all(batch);
  }
  await publisher.endAsync();
}

/** One drain of `messages` by `n` runtimes in one group; resolves with the group's rate and CPU cost. */
async function drain(url, n, messages, round, pgUrl) {
  // Sessions of their own per run: a stopped runtime may leave acknowledgements unsent, redelivered to whoever comes next.
  const group = `${pgUrl ? "pg" : "lite"}${n}r${round}p${process.pid}`;
  // One store for the whole group: a schema of its own per run, created (and migrated) before the runtimes start.
  const postgres = pgUrl ? { url: pgUrl, schema: group.toLowerCase() } : undefined;
  if (postgres) await (await openStoreFrom({ backend: "postgres", ...postgres })).close();
  const clientIds = Array.from({ length: n }, (_, k) => `${group}-${k}`);
  await preload(url, clientIds, group, messages);
  const workers = clientIds.map((clientId) => {
    // Each runtime's clock starts after a tenth of its share, once its code is compiled.
    const warmup = Math.max(1, Math.floor(messages / n / 10));
    const child = fork(join(here, "scale-runtimes-worker.mjs"), [JSON.stringify({ url, clientId, group, warmup, postgres })], { env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const w = { child, written: 0, final: null };
    child.on("message", (m) => {
      if (m.done) w.final = m;
      else w.written = m.written;
    });
    return w;
  });
  const deadline = Date.now() + 300_000;
  while (workers.reduce((s, w) => s + w.written, 0) < messages) {
    if (Date.now() > deadline) throw new Error(`scale ${n}: ${workers.reduce((s, w) => s + w.written, 0)} of ${messages} after 300 s`);
    if (workers.some((w) => w.child.exitCode !== null)) throw new Error(`scale ${n}: a runtime exited early`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const finals = await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve) => {
          w.child.once("exit", () => resolve(w.final));
          w.child.send("stop");
        }),
    ),
  );
  const written = finals.reduce((s, f) => s + f.written, 0);
  const counted = finals.reduce((s, f) => s + f.counted, 0);
  const ms = Math.max(...finals.map((f) => f.lastAt)) - Math.min(...finals.filter((f) => f.firstAt > 0).map((f) => f.firstAt));
  const cpuMs = finals.reduce((s, f) => s + f.cpuMs, 0);
  return { rate: (counted / ms) * 1000, cpuPer1000: (cpuMs / counted) * 1000, shares: finals.map((f) => f.written), lost: Math.max(0, messages - written), duplicates: Math.max(0, written - messages) };
}

/**
 * BENCH_SCALE_MESSAGES sets the readings per run (default 60,000). Each runtime writes to its own SQLite file
 * (the runtimes' cost), then, unless BENCH_SCALE_PG=0 or PostgreSQL is missing, to one PostgreSQL store they share.
 */
export async function runScaleRuntimesBench({ rounds = 3, messages = Number(process.env.BENCH_SCALE_MESSAGES ?? 60_000) } = {}) {
  const broker = await startMosquitto();
  if (!broker) return null;
  const figures = { messages, rounds, cores: cpus().length, runtimes: {}, sharedPostgres: null };
  let pg = null;
  try {
    figures.runtimes = await series(broker.url, messages, rounds, undefined);
    if (process.env.BENCH_SCALE_PG !== "0") pg = await startPostgres();
    if (pg) figures.sharedPostgres = await series(broker.url, messages, rounds, pg.url);
  } finally {
    await pg?.stop();
    await broker.stop();
  }
  return figures;
}

async function series(url, messages, rounds, pgUrl) {
  const out = {};
  for (const n of [1, 2, 3]) {
    const runs = [];
    for (let r = 0; r < rounds; r++) runs.push(await drain(url, n, messages, r, pgUrl));
    out[n] = {
        msgsPerSecond: Math.round(median(runs.map((x) => x.rate))),
        cpuMsPer1000: Number(median(runs.map((x) => x.cpuPer1000)).toFixed(1)),
      shares: runs[0].shares,
      lost: Math.max(...runs.map((x) => x.lost)),
      duplicates: Math.max(...runs.map((x) => x.duplicates)),
    };
  }
  return out;
}

export function printScaleRuntimes(f) {
  if (!f) return console.log("scale-runtimes: skipped (mosquitto is not installed)");
  console.log(`Scale-out: N runtimes in one shared-subscription group on one Mosquitto 2 (MQTT 5, receive window 1,000, QoS 1),`);
  console.log(`each mqtt-in → validate → store-write → ack; ${fmt(f.messages)} queued readings, median of ${f.rounds}, each runtime's first tenth as warm-up; ${f.cores} cores here.`);
  const table = (title, rows) => {
    console.log(title);
    console.log("runtimes   group msg/s   CPU ms per 1,000 msgs   share per runtime (first run)   lost   duplicates");
    for (const [n, r] of Object.entries(rows)) {
      console.log(`${n.padStart(8)} ${fmt(r.msgsPerSecond).padStart(13)} ${String(r.cpuMsPer1000).padStart(23)}   ${r.shares.map(fmt).join(" / ").padEnd(29)} ${String(r.lost).padStart(6)} ${String(r.duplicates).padStart(12)}`);
    }
  };
  table("each runtime into its own SQLite file (the runtimes' own cost):", f.runtimes);
  if (f.sharedPostgres) table("all runtimes into one PostgreSQL store (CPU: the runtimes only, not the database server):", f.sharedPostgres);
  else console.log("one PostgreSQL store: skipped (PostgreSQL is not installed, or BENCH_SCALE_PG=0)");
  const one = f.runtimes[1];
  if (one) console.log(`per core: ${fmt(1_000_000 / one.cpuMsPer1000)} msg/s of runtime CPU at 1 runtime; N runtimes on N free cores ≈ N × that, the broker and the store permitting.`);
}

if (import.meta.url === `file://${process.argv[1]}`) printScaleRuntimes(await runScaleRuntimesBench({ rounds: Number(process.env.BENCH_ROUNDS ?? 3) }));
