// Store benchmark: one year of 10-second PV readings (3.15 million points) into the embedded store and,
// when `influxd` is on PATH, into a real InfluxDB 1.x; then the solar flow's calendar queries on each.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../packages/runtime/dist/store/index.js";
import { calendar, lifetime } from "../packages/nodes/dist/store/queries.js";
import { addReading, emptyAcc } from "../packages/nodes/dist/aggregate-window/accumulator.js";
import { startInflux } from "./influxd.mjs";

const STEP = 10_000;
const YEAR = 365 * 86_400_000;
const end = Math.floor(Date.now() / 900_000) * 900_000;
const start = end - YEAR;
const BATCH = 5000;
const RUNS = 21;

/** PV power over a year: a daily sun curve, longer and stronger days in summer. */
function power(t) {
  const day = (t % 86_400_000) / 3_600_000;
  const season = 0.6 + 0.4 * Math.cos(((t / 86_400_000 - 172) / 365) * 2 * Math.PI);
  return Math.max(0, 400 * season * Math.sin((Math.PI * (day - 6)) / 12));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => {
  const s = performance.now();
  fn();
  return performance.now() - s;
};
async function timeAsync(fn) {
  const s = performance.now();
  await fn();
  return performance.now() - s;
}

export async function runStoreBench(log = console.log) {
  const dir = mkdtempSync(join(tmpdir(), "wattflow-store-bench-"));
  const results = {};
  try {
    const store = openStore({ dataDir: dir });
    // Ingest in batches, as store-write does.
    let points = 0;
    let batch = [];
    const ingestMs = time(() => {
      for (let t = start; t < end; t += STEP) {
        batch.push({ series: "solar.raw.pv_array.power", time: t, value: power(t) });
        if (batch.length === BATCH) {
          store.writePoints(batch);
          points += batch.length;
          batch = [];
        }
      }
      store.writePoints(batch);
      points += batch.length;
    });
    results.points = points;
    results.ingest = { wattflow: Math.round(points / (ingestMs / 1000)) };
    log(`embedded store: ${points.toLocaleString("en-US")} points in ${Math.round(ingestMs)} ms`);

    // The 15-minute energy rollups the solar flow's aggregate-window keeps (computed here the same way).
    const rollups = [];
    let acc = emptyAcc();
    let pane = start;
    let prev;
    for (let t = start; t < end; t += STEP) {
      if (t >= pane + 900_000) {
        rollups.push({ series: "solar.energy.pv_power_energy", time: pane, value: acc.energy }, { series: "solar.energy.pv_power_max", time: pane, value: acc.max });
        acc = emptyAcc();
        pane += 900_000;
      }
      const v = power(t);
      addReading(acc, t, v, prev, 900_000);
      prev = { t, v };
    }
    store.writePoints(rollups);

    const tz = "Europe/Berlin";
    const now = end - 1;
    const q = {
      daily_stats: () => {
        calendar(store, { series: "solar.energy.pv_power_energy", unit: "day", count: 30, reducer: "sum", timeZone: tz, now });
        calendar(store, { series: "solar.energy.pv_power_max", unit: "day", count: 30, reducer: "max", timeZone: tz, now });
      },
      monthly_stats: () => calendar(store, { series: "solar.energy.pv_power_energy", unit: "day", count: 372, reducer: "sum", timeZone: tz, now }),
      lifetime_stats: () => lifetime(store, { series: "solar.energy.pv_power_energy", peakSeries: "solar.energy.pv_power_max", timeZone: tz }),
    };
    for (const [name, fn] of Object.entries(q)) {
      fn();
      results[name] = { wattflow: Number(median(Array.from({ length: RUNS }, () => time(fn))).toFixed(2)) };
    }
    store.close();

    if (process.env.BENCH_SKIP_INFLUX) return results;
    const influx = await startInflux();
    if (!influx) {
      log("influxd not on PATH: InfluxDB figures skipped (Debian package influxdb)");
    } else {
      try {
        await influx.query("CREATE DATABASE bench");
        let lines = [];
        const influxIngest = await timeAsync(async () => {
          for (let t = start; t < end; t += STEP) {
            lines.push(`pv power=${power(t)} ${t}`);
            if (lines.length === BATCH) {
              await influx.write("bench", lines.join("\n"));
              lines = [];
            }
          }
          await influx.write("bench", lines.join("\n"));
        });
        results.ingest.influxdb = Math.round(points / (influxIngest / 1000));
        // The same questions in InfluxQL, on the raw readings (InfluxDB 1.x has no calendar months or time zones before 1.7's tz()).
        const iq = {
          daily_stats: () => influx.query(`SELECT INTEGRAL("power", 1h) AS wh, MAX("power") FROM pv WHERE time >= ${(end - 30 * 86_400_000) * 1e6} GROUP BY time(1d)`, "bench"),
          monthly_stats: () => influx.query(`SELECT INTEGRAL("power", 1h) AS wh FROM pv WHERE time >= ${(end - 372 * 86_400_000) * 1e6} GROUP BY time(1d)`, "bench"),
          lifetime_stats: () => influx.query(`SELECT INTEGRAL("power", 1h) AS wh, MAX("power") FROM pv WHERE time >= ${start * 1e6} GROUP BY time(1d)`, "bench"),
        };
        for (const [name, fn] of Object.entries(iq)) {
          await fn();
          const runs = [];
          for (let i = 0; i < RUNS; i++) runs.push(await timeAsync(fn));
          results[name].influxdb = Number(median(runs).toFixed(2));
        }
      } finally {
        await influx.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runStoreBench();
  console.log(JSON.stringify(r));
}
