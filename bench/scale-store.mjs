// Store ingest, PostgreSQL against SQLite: the same readings (50 devices, 4 values each, every 10 s) written in
// store-write's batches through the same Store interface. PostgreSQL runs on a throwaway cluster on this machine.
// `node bench/scale-store.mjs` runs it alone (after a build).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPgStore, openStore } from "../packages/runtime/dist/store/index.js";
import { startPostgres } from "./postgres.mjs";

const DEVICES = 50;
const FIELDS = ["power", "voltage", "current", "temperature"];
const BATCH = 5000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => (n === undefined ? "n/a" : Math.round(n).toLocaleString("en-US"));

function* readings(points) {
  const start = Date.parse("2025-06-01T00:00:00Z");
  for (let i = 0; i < points; i++) {
    const slot = Math.floor(i / (DEVICES * FIELDS.length));
    const device = Math.floor(i / FIELDS.length) % DEVICES;
    const field = FIELDS[i % FIELDS.length];
    yield { series: `site.${field}`, time: start + slot * 10_000, value: (i % 1000) / 7, tags: { device_id: `d${device}` } };
  }
}

async function ingest(store, points) {
  let batch = [];
  const began = performance.now();
  for (const p of readings(points)) {
    batch.push(p);
    if (batch.length === BATCH) {
      await store.writePoints(batch);
      batch = [];
    }
  }
  if (batch.length) await store.writePoints(batch);
  const ms = performance.now() - began;
  // A question the flows ask: 5-minute averages of one device over the whole range.
  const q = performance.now();
  await store.buckets({ series: "site.power", from: 0, to: Date.now(), every: 300_000, tags: { device_id: "d7" }, aggregates: ["avg"] });
  return { rate: points / (ms / 1000), queryMs: performance.now() - q };
}

export async function runScaleStoreBench({ points = Number(process.env.BENCH_SCALE_POINTS ?? 200_000), rounds = 3 } = {}) {
  const out = { points, sqlite: [], postgres: [], sqliteQueryMs: [], postgresQueryMs: [] };
  const pg = await startPostgres();
  try {
    for (let r = 0; r < rounds; r++) {
      const dir = mkdtempSync(join(tmpdir(), "wattflow-scale-"));
      try {
        const s = openStore({ dataDir: dir });
        const res = await ingest(s, points);
        await s.close();
        out.sqlite.push(res.rate);
        out.sqliteQueryMs.push(res.queryMs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (pg) {
        const s = await openPgStore({ url: pg.url, schema: `round${r}` });
        const res = await ingest(s, points);
        await s.close();
        out.postgres.push(res.rate);
        out.postgresQueryMs.push(res.queryMs);
      }
    }
  } finally {
    await pg?.stop();
  }
  return {
    points,
    ingest: { sqlite: Math.round(median(out.sqlite)), ...(pg ? { postgres: Math.round(median(out.postgres)) } : {}) },
    bucketsMs: { sqlite: Number(median(out.sqliteQueryMs).toFixed(1)), ...(pg ? { postgres: Number(median(out.postgresQueryMs).toFixed(1)) } : {}) },
  };
}

export function printScaleStore(r) {
  console.log(`scale: store ingest, ${fmt(r.points)} points (50 devices × 4 values) in batches of ${fmt(BATCH)}, median of rounds`);
  console.log("measure                    sqlite      postgresql   postgresql/sqlite");
  const ratio = (a, b) => (a === undefined || b === undefined ? "n/a" : (a / b).toFixed(2));
  console.log(`ingest (points/s)   ${fmt(r.ingest.sqlite).padStart(12)} ${fmt(r.ingest.postgres).padStart(12)}   ${ratio(r.ingest.postgres, r.ingest.sqlite).padStart(8)}`);
  console.log(`5-min buckets (ms)  ${String(r.bucketsMs.sqlite).padStart(12)} ${String(r.bucketsMs.postgres ?? "n/a").padStart(12)}   ${ratio(r.bucketsMs.postgres, r.bucketsMs.sqlite).padStart(8)}`);
  if (r.ingest.postgres === undefined) console.log("(PostgreSQL binaries not found: install Debian's postgresql for the side-by-side figures)");
}

if (import.meta.url === `file://${process.argv[1]}`) printScaleStore(await runScaleStoreBench());
