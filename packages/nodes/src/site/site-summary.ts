import { defineNode, getPath, Type, type Store, type Tags } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { addUnits, isTimeZone, zonedToUtc, type CalendarUnit } from "../shared/calendar.js";

const config = Type.Object({
  site: Type.String({ minLength: 1, default: "home", description: "site id: the rollups' `site` tag" }),
  daily: Type.String({ minLength: 1, description: "prefix of the daily rollups (one point per local day, at its start), e.g. site.daily" }),
  monthly: Type.String({ minLength: 1, description: "prefix of the monthly rollups, e.g. site.monthly" }),
  partial: Type.Optional(Type.String({ minLength: 1, description: "prefix of finer rollups (e.g. 15 minutes) summed for a period not closed yet" })),
  suffix: Type.String({ default: "_energy", description: "ending of the rollup fields to answer (the rest of the name is the key)" }),
  timezone: Type.String({ default: "UTC", description: "IANA zone of days and months" }),
  decimals: Type.Integer({ minimum: 0, maximum: 6, default: 1 }),
});

type Period = { unit: CalendarUnit; key: string; start: number; end: number };

/** The period a request asks for (`date=YYYY-MM-DD` or `month=YYYY-MM`), or why it can't be answered. */
export function periodOf(query: unknown, timeZone: string): Period | { detail: string } {
  const q = (query ?? {}) as Record<string, unknown>;
  const date = q.date;
  const month = q.month;
  if ((date === undefined) === (month === undefined)) return { detail: "Give exactly one of date (YYYY-MM-DD) or month (YYYY-MM)." };
  const text = String(date ?? month);
  const m = (date !== undefined ? /^(\d{4})-(\d{2})-(\d{2})$/ : /^(\d{4})-(\d{2})$/).exec(text);
  const [year, mon, day] = m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)] : [0, 0, 0];
  const real = m !== null && mon >= 1 && mon <= 12 && day >= 1 && day <= new Date(Date.UTC(year, mon, 0)).getUTCDate();
  if (!real) return { detail: date !== undefined ? `date "${text}" is not a date as YYYY-MM-DD.` : `month "${text}" is not a month as YYYY-MM.` };
  const unit: CalendarUnit = date !== undefined ? "day" : "month";
  const start = zonedToUtc({ year, month: mon, day, hour: 0, minute: 0, second: 0 }, timeZone);
  return { unit, key: text, start, end: addUnits(unit, start, 1, timeZone) };
}

/** Sums of every series under `prefix` ending in `suffix`, over [from, to), keyed by the name between them. */
async function totals(store: Store, prefix: string, suffix: string, tags: Tags, from: number, to: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const names = new Set((await store.seriesNames(`${prefix}.`)).map((s) => s.series).filter((s) => s.endsWith(suffix)));
  for (const series of names) {
    const points = await store.range({ series, from, to, tags });
    if (points.length > 0) out[series.slice(prefix.length + 1, -suffix.length || undefined)] = points.reduce((a, p) => a + p.value, 0);
  }
  return out;
}

export default defineNode({
  type: "site-summary",
  category: "energy",
  summary: "Answers a site's energy totals for ?date=YYYY-MM-DD or ?month=YYYY-MM from calendar rollups (400 with {detail} for a bad request).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["answer"],
  create(node, c) {
    if (!isTimeZone(c.timezone)) throw new Error(`unknown time zone "${c.timezone}"`);
    const round = (v: number): number => Math.round(v * 10 ** c.decimals) / 10 ** c.decimals;
    const tags = { site: c.site };
    return {
      async input(msg, send, done) {
        const period = periodOf(getPath(msg, "req.query"), c.timezone);
        if ("detail" in period) {
          send({ ...msg, statusCode: 400, payload: { detail: period.detail } });
          return done();
        }
        // A closed period has its own rollup point at its start; an open one is the sum of the finer rollups so far.
        let energy = await totals(node.store, period.unit === "day" ? c.daily : c.monthly, c.suffix, tags, period.start, period.start + 1);
        let complete = true;
        if (Object.keys(energy).length === 0 && c.partial) {
          energy = await totals(node.store, c.partial, c.suffix, tags, period.start, period.end);
          complete = false;
        }
        if (Object.keys(energy).length === 0) {
          send({ ...msg, statusCode: 404, payload: { detail: `No site totals for ${period.key}.` } });
          return done();
        }
        const energy_wh = Object.fromEntries(Object.entries(energy).map(([k, v]) => [k, round(v)]));
        const answer = {
          site: c.site,
          [period.unit === "day" ? "date" : "month"]: period.key,
          start: new Date(period.start).toISOString(),
          end: new Date(period.end).toISOString(),
          complete,
          energy_wh,
        };
        send({ ...msg, statusCode: 200, payload: answer });
        done();
      },
    };
  },
});
