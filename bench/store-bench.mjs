// Store benchmark: a year of 10-second PV readings (3.15 million points) into the embedded store and, when
// `influxd` is on PATH, into a real InfluxDB 1.x; then the solar flow's calendar questions asked both ways:
// raw to raw (each side integrates the raw readings), precomputed to precomputed (Wattflow's 15-minute
// rollups against InfluxDB's downsampled measurement, each built from the raw points first and timed), and
// daily to daily (Wattflow's daily rollups, what the solar flow's endpoints read, against a measurement
// downsampled again per local day).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../packages/runtime/dist/store/index.js";
import { calendar, groupByPeriod, lifetime } from "../packages/nodes/dist/store/queries.js";
import { calendarFromDays, catchUpDays, lifetimeFromDays } from "../packages/nodes/dist/store/day-rollups.js";
import { addUnits, startOf } from "../packages/nodes/dist/shared/calendar.js";
import { addReading, emptyAcc } from "../packages/nodes/dist/shared/stats.js";
import { startInflux } from "./influxd.mjs";

const STEP = 10_000;
const PANE = 900_000;
const DAY = 86_400_000;
// BENCH_STORE_DAYS (default 365) and BENCH_STORE_RUNS (default 21) shorten a quick run.
const DAYS = Number(process.env.BENCH_STORE_DAYS ?? 365);
const RUNS = Number(process.env.BENCH_STORE_RUNS ?? 21);
const end = Math.floor(Date.now() / PANE) * PANE;
const start = end - DAYS * DAY;
const BATCH = 5000;
const TZ = "Europe/Berlin";
const RAW = "solar.raw.pv_array.power";
const ENERGY = "solar.energy.pv_power_energy";
const PEAK = "solar.energy.pv_power_max";
// The solar flow's daily rollups (calendar-rollup with `stored`): solar.daily.<series>.
const DAILY_PREFIX = "solar.daily";
const DAILY_ROLLUPS = [
  { series: ENERGY, aggregate: "sum" },
  { series: PEAK, aggregate: "max" },
];
// The questions' spans, capped to the data a short run has.
const DAILY = Math.min(30, DAYS);
const MONTHLY = Math.min(372, DAYS);

/** PV power over a year: a daily sun curve, longer and stronger days in summer. */
function power(t) {
  const day = (t % DAY) / 3_600_000;
  const season = 0.6 + 0.4 * Math.cos(((t / DAY - 172) / 365) * 2 * Math.PI);
  return Math.max(0, 400 * season * Math.sin((Math.PI * (day - 6)) / 12));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  const s = performance.now();
  await fn();
  return performance.now() - s;
}
/** Medians of two functions timed in alternation (after one warm-up each). */
async function alternatingMedians(a, b) {
  await a();
  await b();
  const runsA = [];
  const runsB = [];
  for (let i = 0; i < RUNS; i++) {
    runsA.push(await time(a));
    runsB.push(await time(b));
  }
  return [Number(median(runsA).toFixed(2)), Number(median(runsB).toFixed(2))];
}
async function medianMs(fn) {
  await fn();
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await time(fn));
  return Number(median(runs).toFixed(2));
}

/**
 * Energy (Wh, trapezoid rule) and peak of the raw readings per local day, for the `days` days up to `now`:
 * the calendar statistics answered from the raw points, one day's readings read from the store at a time.
 */
async function rawDays(store, days, now) {
  const out = [];
  let day = addUnits("day", startOf("day", now, TZ), -(days - 1), TZ);
  let prev;
  for (let i = 0; i < days; i++) {
    const next = addUnits("day", day, 1, TZ);
    const acc = emptyAcc();
    for (const p of await store.range({ series: RAW, from: day, to: next })) {
      addReading(acc, p.time, p.value, prev, PANE);
      prev = { t: p.time, v: p.value };
    }
    if (acc.count > 0) out.push({ start: day, energy: acc.energy, max: acc.max });
    day = next;
  }
  return out;
}

/** Wattflow's rollups built from the raw points already stored: what aggregate-window keeps, as a backfill. */
async function buildRollups(store) {
  let prev;
  for (let from = start; from < end; from += DAY) {
    const to = Math.min(end, from + DAY);
    const rollups = [];
    let pane = from;
    let acc = emptyAcc();
    const close = () => {
      if (acc.count > 0) rollups.push({ series: ENERGY, time: pane, value: acc.energy }, { series: PEAK, time: pane, value: acc.max });
    };
    for (const p of await store.range({ series: RAW, from, to })) {
      if (p.time >= pane + PANE) {
        close();
        acc = emptyAcc();
        pane = Math.floor(p.time / PANE) * PANE;
      }
      addReading(acc, p.time, p.value, prev, PANE);
      prev = { t: p.time, v: p.value };
    }
    close();
    await store.writePoints(rollups);
  }
}

export async function runStoreBench(log = console.log) {
  const dir = mkdtempSync(join(tmpdir(), "wattflow-store-bench-"));
  const results = { days: DAYS, ingest: {}, rollup_build_ms: {}, raw: {}, precomputed: {}, daily: {}, lifetime_wh: {} };
  let store;
  try {
    store = await openStore({ dataDir: dir });
    // Ingest in batches, as store-write does.
    let points = 0;
    const ingestMs = await time(async () => {
      let batch = [];
      for (let t = start; t < end; t += STEP) {
        batch.push({ series: RAW, time: t, value: power(t) });
        if (batch.length === BATCH) {
          await store.writePoints(batch);
          points += batch.length;
          batch = [];
        }
      }
      await store.writePoints(batch);
      points += batch.length;
    });
    results.points = points;
    results.ingest.wattflow = Math.round(points / (ingestMs / 1000));
    log(`embedded store: ${points.toLocaleString("en-US")} points in ${Math.round(ingestMs)} ms`);

    results.rollup_build_ms.wattflow = Math.round(await time(() => buildRollups(store)));
    // What the daily rollups' catch-up does on a store that has 15-minute rollups but no daily ones yet.
    results.rollup_build_ms.wattflow_daily = Math.round(await time(() => catchUpDays(store, DAILY_PREFIX, DAILY_ROLLUPS, TZ)));
    const now = end - 1;
    const raw = {
      daily_stats: () => rawDays(store, DAILY, now),
      monthly_stats: () => rawDays(store, MONTHLY, now),
      lifetime_stats: async () => {
        const days = await rawDays(store, DAYS + 1, now);
        const months = groupByPeriod(days.map((d) => ({ time: d.start, value: d.energy })), "month", "sum", TZ);
        return { total: days.reduce((a, d) => a + d.energy, 0), peak: Math.max(...days.map((d) => d.max)), bestMonth: months.reduce((b, m) => (b && b.value >= m.value ? b : m), null) };
      },
    };
    const pre = {
      daily_stats: () =>
        Promise.all([
          calendar(store, { series: ENERGY, unit: "day", count: DAILY, reducer: "sum", timeZone: TZ, now }),
          calendar(store, { series: PEAK, unit: "day", count: DAILY, reducer: "max", timeZone: TZ, now }),
        ]),
      monthly_stats: () => calendar(store, { series: ENERGY, unit: "day", count: MONTHLY, reducer: "sum", timeZone: TZ, now }),
      lifetime_stats: () => lifetime(store, { series: ENERGY, peakSeries: PEAK, timeZone: TZ }),
    };
    // The solar endpoints' path: closed days from the daily rollups, today from the 15-minute ones.
    const daily = {
      daily_stats: () =>
        Promise.all([
          calendarFromDays(store, DAILY_PREFIX, { series: ENERGY, unit: "day", count: DAILY, reducer: "sum", timeZone: TZ, now }),
          calendarFromDays(store, DAILY_PREFIX, { series: PEAK, unit: "day", count: DAILY, reducer: "max", timeZone: TZ, now }),
        ]),
      monthly_stats: () => calendarFromDays(store, DAILY_PREFIX, { series: ENERGY, unit: "day", count: MONTHLY, reducer: "sum", timeZone: TZ, now }),
      lifetime_stats: () => lifetimeFromDays(store, DAILY_PREFIX, { series: ENERGY, peakSeries: PEAK, timeZone: TZ, now }),
    };
    for (const name of Object.keys(raw)) {
      results.raw[name] = { wattflow: await medianMs(raw[name]) };
      // The 15-minute and the daily path alternate, run by run, so a busy machine slows both alike.
      const [quarter, day] = await alternatingMedians(pre[name], daily[name]);
      results.precomputed[name] = { wattflow: quarter };
      results.daily[name] = { wattflow: day };
    }
    // The same answer both ways, as a check that the two sides are asked the same question.
    results.lifetime_wh.wattflow_raw = Math.round((await raw.lifetime_stats()).total);
    results.lifetime_wh.wattflow_rollups = Math.round((await lifetime(store, { series: ENERGY, timeZone: TZ })).total);
    results.lifetime_wh.wattflow_daily = Math.round((await daily.lifetime_stats()).total);
    await store.close();
    store = undefined;

    if (process.env.BENCH_SKIP_INFLUX) return results;
    const influx = await startInflux();
    if (!influx) {
      log("influxd not on PATH: InfluxDB figures skipped (Debian package influxdb)");
      return results;
    }
    try {
      await influx.query("CREATE DATABASE bench");
      const ingest = await time(async () => {
        let lines = [];
        for (let t = start; t < end; t += STEP) {
          lines.push(`pv power=${power(t)} ${t}`);
          if (lines.length === BATCH) {
            await influx.write("bench", lines.join("\n"));
            lines = [];
          }
        }
        await influx.write("bench", lines.join("\n"));
      });
      results.ingest.influxdb = Math.round(points / (ingest / 1000));
      // The downsampling a continuous query runs every 15 minutes, run once over the whole history (how a CQ's
      // history is backfilled): 15-minute energy and peak into their own measurement.
      const ns = (ms) => `${ms}000000`;
      results.rollup_build_ms.influxdb = Math.round(
        await time(() => influx.query(`SELECT INTEGRAL("power", 1h) AS wh, MAX("power") AS peak INTO pv_15m FROM pv WHERE time >= ${ns(start)} AND time < ${ns(end)} GROUP BY time(15m)`, "bench")),
      );
      // The 15-minute measurement downsampled again per local day, as a second continuous query would keep it.
      results.rollup_build_ms.influxdb_daily = Math.round(
        await time(() =>
          influx.query(`SELECT SUM("wh") AS wh, MAX("peak") AS peak INTO pv_1d FROM pv_15m WHERE time >= ${ns(start - DAY)} AND time < ${ns(end)} GROUP BY time(1d) fill(none) tz('${TZ}')`, "bench"),
        ),
      );
      // The same calendar questions in InfluxQL, in local days (tz()), empty days left out as Wattflow does.
      const since = (days) => ns(addUnits("day", startOf("day", now, TZ), -(days - 1), TZ));
      const local = `GROUP BY time(1d) fill(none) tz('${TZ}')`;
      const iqRaw = {
        daily_stats: () => influx.query(`SELECT INTEGRAL("power", 1h) AS wh, MAX("power") FROM pv WHERE time >= ${since(DAILY)} ${local}`, "bench"),
        monthly_stats: () => influx.query(`SELECT INTEGRAL("power", 1h) AS wh FROM pv WHERE time >= ${since(MONTHLY)} ${local}`, "bench"),
        lifetime_stats: () => influx.query(`SELECT INTEGRAL("power", 1h) AS wh, MAX("power") FROM pv WHERE time >= ${ns(start - DAY)} ${local}`, "bench"),
      };
      const iqPre = {
        daily_stats: () => influx.query(`SELECT SUM("wh"), MAX("peak") FROM pv_15m WHERE time >= ${since(DAILY)} ${local}`, "bench"),
        monthly_stats: () => influx.query(`SELECT SUM("wh") FROM pv_15m WHERE time >= ${since(MONTHLY)} ${local}`, "bench"),
        lifetime_stats: () => influx.query(`SELECT SUM("wh"), MAX("peak") FROM pv_15m WHERE time >= ${ns(start - DAY)} ${local}`, "bench"),
      };
      const iqDaily = {
        daily_stats: () => influx.query(`SELECT SUM("wh"), MAX("peak") FROM pv_1d WHERE time >= ${since(DAILY)} ${local}`, "bench"),
        monthly_stats: () => influx.query(`SELECT SUM("wh") FROM pv_1d WHERE time >= ${since(MONTHLY)} ${local}`, "bench"),
        lifetime_stats: () => influx.query(`SELECT SUM("wh"), MAX("peak") FROM pv_1d WHERE time >= ${ns(start - DAY)} ${local}`, "bench"),
      };
      for (const name of Object.keys(iqRaw)) {
        results.raw[name].influxdb = await medianMs(iqRaw[name]);
        const [quarter, day] = await alternatingMedians(iqPre[name], iqDaily[name]);
        results.precomputed[name].influxdb = quarter;
        results.daily[name].influxdb = day;
      }
      const total = async (fn) => (await fn()).results[0].series[0].values.reduce((a, row) => a + (row[1] ?? 0), 0);
      results.lifetime_wh.influxdb_raw = Math.round(await total(iqRaw.lifetime_stats));
      results.lifetime_wh.influxdb_rollups = Math.round(await total(iqPre.lifetime_stats));
      results.lifetime_wh.influxdb_daily = Math.round(await total(iqDaily.lifetime_stats));
    } finally {
      await influx.stop();
    }
  } finally {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** The store benchmark's table: ingest, rollup build time, then each question raw to raw and precomputed to precomputed. */
export function printStoreBench(store) {
  const cell = (v, unit) => (v === undefined ? "n/a".padStart(14) : `${v.toLocaleString("en-US")} ${unit}`.padStart(14));
  const ratio = (a, b, better) => (a === undefined || b === undefined ? "" : `${(better === "higher" ? a / b : b / a).toFixed(1)}×`);
  const days = store.days === 365 ? "one year" : `${store.days} days`;
  console.log(`store: ${days} of 10-second readings (${store.points.toLocaleString("en-US")} points); the solar flow's calendar questions in local days (Europe/Berlin), median of ${RUNS} runs; ratio: how many times faster Wattflow is`);
  console.log("measure                                  wattflow (embedded)   influxdb 1.x    ratio   goal");
  console.log(
    `ingest (points/s, batches of 5,000)       ${cell(store.ingest.wattflow, "")}    ${cell(store.ingest.influxdb, "")} ${ratio(store.ingest.wattflow, store.ingest.influxdb, "higher").padStart(8)}   > 200,000 (${store.ingest.wattflow > 200_000 ? "met" : "not met"})`,
  );
  console.log(
    `rollup build (15-min energy + peak)      ${cell(store.rollup_build_ms.wattflow, "ms")}    ${cell(store.rollup_build_ms.influxdb, "ms")} ${ratio(store.rollup_build_ms.wattflow, store.rollup_build_ms.influxdb, "lower").padStart(8)}   (wattflow: store range reads + aggregate-window's accumulator; influxdb: SELECT … INTO, a CQ's body)`,
  );
  console.log(
    `daily rollup build (from the 15-min)     ${cell(store.rollup_build_ms.wattflow_daily, "ms")}    ${cell(store.rollup_build_ms.influxdb_daily, "ms")} ${ratio(store.rollup_build_ms.wattflow_daily, store.rollup_build_ms.influxdb_daily, "lower").padStart(8)}   (wattflow: calendar-rollup's catch-up; influxdb: SELECT … INTO pv_1d … tz())`,
  );
  for (const [kind, label] of [
    ["raw", "raw → raw: trapezoid over raw readings, wattflow store.range + accumulator; influxdb INTEGRAL()"],
    ["precomputed", "15-min rollups → 15-min rollups: wattflow calendar()/lifetime() on solar.energy; influxdb SUM/MAX on pv_15m"],
    ["daily", "daily rollups → daily rollups (the solar endpoints' path): wattflow closed days from solar.daily, today from solar.energy; influxdb SUM/MAX on pv_1d"],
  ]) {
    console.log(`  ${label}`);
    for (const q of ["daily_stats", "monthly_stats", "lifetime_stats"]) {
      const r = store[kind][q];
      const goal = kind === "daily" ? `≤ 10 ms (${r.wattflow <= 10 ? "met" : "not met"})` : "";
      console.log(`${`${q} (${kind})`.padEnd(40)} ${cell(r.wattflow, "ms")}    ${cell(r.influxdb, "ms")} ${ratio(r.wattflow, r.influxdb, "lower").padStart(8)}   ${goal}`);
    }
  }
  const w = store.lifetime_wh;
  const wh = (v) => v?.toLocaleString("en-US") ?? "n/a";
  console.log(
    `lifetime energy, same question each way (Wh): wattflow raw ${wh(w.wattflow_raw)}, 15-min ${wh(w.wattflow_rollups)}, daily ${wh(w.wattflow_daily)}; influxdb raw ${wh(w.influxdb_raw)}, 15-min ${wh(w.influxdb_rollups)}, daily ${wh(w.influxdb_daily)}`,
  );
  if (store.ingest.influxdb === undefined) console.log("(influxd not on PATH: install Debian's influxdb for the side-by-side figures)");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runStoreBench();
  printStoreBench(r);
  if (process.argv.includes("--json")) console.log(JSON.stringify({ store: r }));
}
