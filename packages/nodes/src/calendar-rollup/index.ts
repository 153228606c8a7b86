import { defineNode, Type, getPath, setPath } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { timeOf } from "../shared/flatten.js";
import { isTimeZone } from "../shared/calendar.js";
import { periodLabel, rollup, statValue, type PeriodFormat, type RollupReading, type RollupStat, type RollupUnit } from "./rollup.js";
import { storedRollups } from "./stored.js";

const StatName = Type.Union(["avg", "min", "max", "sum", "count", "first", "last", "energy", "energy_kwh"].map((s) => Type.Literal(s)));

const config = Type.Object({
  readings: Type.String({ default: "payload", description: "message path of the array of readings to roll up (e.g. payload.data_points)" }),
  time: Type.String({ default: "timestamp", description: "path of the time in each reading (ms or ISO)" }),
  by: Type.Union([Type.Literal("hour"), Type.Literal("day"), Type.Literal("month")], { description: "calendar period in the time zone" }),
  timezone: Type.String({ default: "UTC", description: "IANA zone the hours, days and months are local to" }),
  maxGap: Type.String({ pattern: DURATION_PATTERN, default: "5m", description: "energy: readings further apart than this add no energy" }),
  period: Type.String({ default: "timestamp", description: "name of each row's period field" }),
  periodFormat: Type.Union([Type.Literal("iso"), Type.Literal("local"), Type.Literal("date")], {
    default: "iso",
    description: "iso: the period's start in UTC; local: its start with the zone's offset; date: 2025-04-20, 2025-04 or 2025-04-20T13:00",
  }),
  fields: Type.Optional(
    Type.Array(
      Type.Object({
        path: Type.String({ minLength: 1, description: "path of a numeric value in each reading" }),
        stats: Type.Array(
          Type.Object({
            stat: StatName,
            as: Type.Optional(Type.String({ minLength: 1, description: "column name (default: <field>_<stat>)" })),
            decimals: Type.Optional(Type.Integer({ minimum: 0, maximum: 9, description: "round to this many decimals" })),
          }),
          { minItems: 1, description: "energy integrates the value as watts into Wh (energy_kwh in kWh)" },
        ),
      }),
      { minItems: 1, description: "what to roll up from the readings (not with stored)" },
    ),
  ),
  stored: Type.Optional(
    Type.Object(
      {
        prefix: Type.String({ minLength: 1, description: "the daily rollups are the series <prefix>.<series> (e.g. solar.daily)" }),
        time: Type.String({ default: "payload.start", description: "message path of the time just written (ms or ISO): its local day is rolled up again" }),
        series: Type.Array(
          Type.Object({
            series: Type.String({ minLength: 1, description: "a stored series, e.g. solar.energy.pv_power_energy" }),
            aggregate: Type.Union([Type.Literal("sum"), Type.Literal("max"), Type.Literal("min")], { description: "how a day of it is reduced" }),
          }),
          { minItems: 1 },
        ),
      },
      { description: "keep daily rollups of stored series (by: day) instead of rolling up the message's readings; store-query reads them with dailyRollups" },
    ),
  ),
  output: Type.String({ default: "payload", description: "where the rows go on the sent message" }),
});

const round = (v: number | null, decimals: number | undefined): number | null =>
  v === null || decimals === undefined ? v : Math.round(v * 10 ** decimals) / 10 ** decimals;

export default defineNode({
  type: "calendar-rollup",
  category: "time series",
  summary: "Rolls an array of readings up by local hour, day or month: avg/min/max/sum/count/first/last and energy (trapezoid, split at period boundaries).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["rows"],
  // With stored, a day is read and written again per message: one at a time, so an older read never overwrites a newer one.
  concurrency: 1,
  create(node, c) {
    if (!isTimeZone(c.timezone)) throw new Error(`unknown time zone "${c.timezone}"`);
    if (c.stored) {
      if (c.by !== "day") throw new Error(`stored: keeps daily rollups, so by must be "day" (got "${c.by}")`);
      if (c.fields) throw new Error("fields or stored: give one of them, not both");
      return storedRollups(node, c.stored, c.timezone);
    }
    const fields = c.fields;
    if (!fields) throw new Error("fields: list what to roll up from the readings (or give stored)");
    const maxGapMs = parseDuration(c.maxGap);
    const fieldNames = fields.map((f) => f.path);
    return {
      input(msg, send, done) {
        const list = getPath(msg, c.readings);
        if (!Array.isArray(list)) {
          done(new Error(`calendar-rollup: msg.${c.readings} must be an array of readings (got ${list === undefined ? "nothing" : typeof list})`));
          return;
        }
        const readings: RollupReading[] = [];
        for (const item of list as unknown[]) {
          if (item === null || typeof item !== "object") continue;
          const t = timeOf(getPath(item, c.time), Number.NaN);
          if (!Number.isFinite(t)) continue;
          const values: Record<string, number> = {};
          for (const name of fieldNames) {
            const v = getPath(item, name);
            const num = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
            if (Number.isFinite(num)) values[name] = num;
          }
          readings.push({ t, values });
        }
        const periods = rollup(readings, fieldNames, c.by as RollupUnit, c.timezone, maxGapMs);
        if (periods.length === 0) {
          node.status({ fill: "yellow", shape: "ring", text: "no readings to roll up" });
          done();
          return;
        }
        const rows = periods.map((p) => {
          const row: Record<string, unknown> = { [c.period]: periodLabel(c.by as RollupUnit, p.start, c.timezone, c.periodFormat as PeriodFormat) };
          for (const f of fields) {
            for (const s of f.stats) row[s.as ?? `${f.path.split(".").pop()}_${s.stat}`] = round(statValue(p.fields[f.path], s.stat as RollupStat), s.decimals);
          }
          return row;
        });
        node.status({ fill: "green", shape: "dot", text: `${rows.length} ${c.by}(s) from ${readings.length} readings` });
        send(setPath(msg, c.output, rows));
        done();
      },
    };
  },
});
