import { defineNode, Type, setPath, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { isTimeZone } from "../shared/calendar.js";
import { parseDuration } from "../shared/duration.js";
import { numberParam, paramName, ParamError, resolveParam } from "./params.js";
import { bucketsUnder, calendar, latestUnder, lifetime, rowsUnder, type Reducer } from "./queries.js";
import { calendarFromDays, lifetimeFromDays } from "./day-rollups.js";

const Query = Type.Object({
  as: Type.String({ minLength: 1, description: "name of this result in the output object" }),
  mode: Type.Union([Type.Literal("latest"), Type.Literal("range"), Type.Literal("buckets"), Type.Literal("rows"), Type.Literal("calendar"), Type.Literal("lifetime")]),
  series: Type.String({ minLength: 1, description: "series name; for latest and buckets, a prefix (solar → solar.*)" }),
  peakSeries: Type.Optional(Type.String({ description: "lifetime: the series whose maximum is the all-time peak" })),
  dailyRollups: Type.Optional(Type.String({ minLength: 1, description: "calendar, lifetime: prefix of the daily rollups a calendar-rollup keeps (solar.daily): closed days are read from them" })),
  tags: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "tag filter; values may be {{msg.path}} templates" })),
  hours: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: "range/buckets: how far back, e.g. 24 or {{req.query.hours|24}}" })),
  every: Type.Optional(Type.String({ description: "buckets: width, e.g. 5m or {{req.query.interval|5m}}" })),
  reducer: Type.Optional(Type.Union(["sum", "max", "min", "avg", "count", "first", "last"].map((r) => Type.Literal(r)), { default: "avg" })),
  unit: Type.Optional(Type.Union([Type.Literal("day"), Type.Literal("month"), Type.Literal("year")])),
  count: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: "calendar: how many periods back, e.g. {{req.query.days|30}}" })),
  maxCount: Type.Optional(Type.Integer({ minimum: 1, default: 3660 })),
  from: Type.Optional(Type.String({ description: "rows: start, ISO 8601 or ms, e.g. {{req.query.start_time}}; default: `hours` back" })),
  to: Type.Optional(Type.String({ description: "rows: end (exclusive), ISO 8601 or ms; default: now" })),
  page: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: "rows: 1-based page, e.g. {{req.query.page|1}}" })),
  pageSize: Type.Optional(Type.Union([Type.Number(), Type.String()], { description: "rows: rows per page, e.g. {{req.query.page_size|50}} (at most maxPageSize)" })),
  maxPageSize: Type.Optional(Type.Integer({ minimum: 1, default: 1000 })),
  order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")], { default: "desc" })),
});

/** A time parameter: ISO 8601 or ms since the epoch; missing gives the fallback. */
function timeParam(name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = typeof value === "number" ? value : /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  if (!Number.isFinite(n)) throw new ParamError(`${name} must be an ISO 8601 time or milliseconds (got ${JSON.stringify(value)})`);
  return n;
}

export default defineNode({
  type: "store-query",
  category: "storage",
  summary: "Reads the embedded store: latest values, ranges, time buckets, calendar days/months/years in a time zone, lifetime figures.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    queries: Type.Array(Query, { minItems: 1 }),
    output: Type.String({ default: "payload", description: "where the results object goes" }),
    timezone: Type.String({ default: "UTC", description: "IANA zone for calendar periods" }),
  }),
  inputs: 1,
  outputs: ["result", "invalid request"],
  create(node, c) {
    if (!isTimeZone(c.timezone)) throw new Error(`unknown time zone "${c.timezone}"`);
    const run = async (msg: Message): Promise<Record<string, unknown>> => {
      const now = Date.now();
      const out: Record<string, unknown> = {};
      for (const q of c.queries) {
        // A tag whose template finds nothing (an optional ?device_id=) filters nothing.
        const resolved = q.tags ? Object.entries(q.tags).map(([k, v]) => [k, resolveParam(v, msg)] as const).filter(([, v]) => v !== undefined && v !== null && v !== "") : [];
        const tags = resolved.length > 0 ? Object.fromEntries(resolved.map(([k, v]) => [k, String(v)])) : undefined;
        switch (q.mode) {
          case "latest":
            out[q.as] = await latestUnder(node.store, q.series, tags);
            break;
          case "range":
          case "buckets": {
            const hours = numberParam(paramName(q.hours, "hours"), resolveParam(q.hours ?? 24, msg), 0.01, 24 * 3660);
            const from = now - hours * 3_600_000;
            if (q.mode === "range") {
              out[q.as] = await node.store.rangeValues({ series: q.series, from, to: now + 1, ...(tags ? { tags } : {}) });
            } else {
              const everyText = String(resolveParam(q.every ?? "5m", msg));
              let every: number;
              try {
                every = parseDuration(everyText);
              } catch (err) {
                throw new ParamError(`${paramName(q.every, "interval")}: ${err instanceof Error ? err.message : String(err)}`);
              }
              if ((hours * 3_600_000) / every > 10_000) throw new ParamError(`interval ${everyText} is too fine for ${hours} hours (over 10,000 points)`);
              out[q.as] = await bucketsUnder(node.store, { prefix: q.series, from, to: now + 1, every, reducer: (q.reducer ?? "avg") as "avg", ...(tags ? { tags } : {}) });
            }
            break;
          }
          case "rows": {
            const hours = numberParam(paramName(q.hours, "hours"), resolveParam(q.hours ?? 24, msg), 0.01, 24 * 3660);
            const to = timeParam(paramName(q.to, "to"), resolveParam(q.to, msg), now + 1);
            const from = timeParam(paramName(q.from, "from"), resolveParam(q.from, msg), to - hours * 3_600_000);
            if (from >= to) throw new ParamError(`${paramName(q.from, "from")} must be before ${paramName(q.to, "to")}`);
            const page = Math.floor(numberParam(paramName(q.page, "page"), resolveParam(q.page ?? 1, msg), 1, 1_000_000));
            const pageSize = Math.floor(numberParam(paramName(q.pageSize, "page_size"), resolveParam(q.pageSize ?? 100, msg), 1, q.maxPageSize ?? 1000));
            out[q.as] = { page, pageSize, ...(await rowsUnder(node.store, { prefix: q.series, from, to, offset: (page - 1) * pageSize, limit: pageSize, order: q.order ?? "desc", ...(tags ? { tags } : {}) })) };
            break;
          }
          case "calendar": {
            const count = Math.floor(numberParam(paramName(q.count, "count"), resolveParam(q.count ?? 30, msg), 1, q.maxCount ?? 3660));
            const question = { series: q.series, unit: q.unit ?? "day", count, reducer: (q.reducer ?? "sum") as Reducer, timeZone: c.timezone, now, ...(tags ? { tags } : {}) };
            out[q.as] = await (q.dailyRollups ? calendarFromDays(node.store, q.dailyRollups, question) : calendar(node.store, question));
            break;
          }
          case "lifetime": {
            const question = { series: q.series, ...(q.peakSeries ? { peakSeries: q.peakSeries } : {}), timeZone: c.timezone, now, ...(tags ? { tags } : {}) };
            out[q.as] = await (q.dailyRollups ? lifetimeFromDays(node.store, q.dailyRollups, question) : lifetime(node.store, question));
            break;
          }
        }
      }
      return out;
    };
    return {
      async input(msg, send, done) {
        let result: Record<string, unknown>;
        try {
          result = await run(msg);
        } catch (err) {
          if (err instanceof ParamError) {
            send([null, { ...msg, statusCode: 400, payload: { error: "invalid parameter", message: err.message } }]);
            done();
            return;
          }
          throw err;
        }
        send(setPath(msg, c.output, result));
        done();
      },
    };
  },
});
