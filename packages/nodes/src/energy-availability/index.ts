import { defineNode, getPath, setPath, Type, type Message, type Store, type Tags, type TypedPoint } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";

const config = Type.Object({
  site: Type.String({ minLength: 1, default: "home", description: "the site whose balance decides, e.g. ${SITE_ID:-home}" }),
  siteTag: Type.String({ minLength: 1, default: "site", description: "tag naming the site on the balance series" }),
  surplusSeries: Type.String({ minLength: 1, default: "site.surplus_w", description: "series of the site's surplus power in W" }),
  socSeries: Type.String({ minLength: 1, default: "site.battery_soc_pct", description: "series of the battery's state of charge in %" }),
  maxAge: Type.String({ pattern: DURATION_PATTERN, default: "5m", description: "a surplus or state of charge older than this says nothing: that source is not available" }),
  minSurplusW: Type.Number({ default: 0, description: "solar is available when the surplus is above this" }),
  minSocPct: Type.Number({ default: 20, description: "the battery is available at or above this state of charge" }),
  sources: Type.String({ default: "payload", description: "message path of the sources: a list of source objects, or a record-query page of them" }),
  output: Type.String({ default: "payload", description: "where the available sources go, by priority" }),
  inputsOutput: Type.String({ default: "availability", description: "where what was decided, and from which readings, goes" }),
});

/** A source as the flow keeps it; only these fields are read, the rest is passed on. */
interface Source {
  name?: unknown;
  source_type?: unknown;
  is_available?: unknown;
  priority?: unknown;
  [field: string]: unknown;
}

interface Verdict {
  available: boolean;
  reason: string;
}

interface Reading {
  value: unknown;
  time: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The sources from a plain list or from a record-query page (their bodies). */
function sourcesOf(value: unknown): Source[] {
  const list = isObject(value) && Array.isArray(value.records) ? value.records.map((r: unknown) => (isObject(r) ? r.body : undefined)) : value;
  if (!Array.isArray(list)) throw new Error(`the sources must be a list or a record-query page (got ${value === undefined ? "nothing" : typeof value})`);
  return list.filter(isObject);
}

const priorityOf = (s: Source): number => (typeof s.priority === "number" ? s.priority : Number.POSITIVE_INFINITY);
const reading = (p: TypedPoint | undefined): Reading | null => (p ? { value: p.value, time: new Date(p.time).toISOString() } : null);

export default defineNode({
  type: "energy-availability",
  category: "energy",
  summary: "Decides which energy sources are available now from the site balance (surplus, battery state of charge), grid always.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["available"],
  create(node, c) {
    const maxAgeMs = parseDuration(c.maxAge);
    const tags: Tags = { [c.siteTag]: c.site };
    // Awaited so a store that answers asynchronously works the same.
    const latest = async (store: Store, series: string): Promise<TypedPoint | undefined> => await store.latestValue(series, tags);

    const judge = (s: Source, surplus: TypedPoint | undefined, soc: TypedPoint | undefined, now: number): Verdict => {
      const kind = String(s.source_type ?? s.name ?? "");
      if (kind === "grid") return { available: true, reason: "the grid is always available" };
      if (kind === "solar") {
        if (!surplus) return { available: false, reason: `no surplus from site ${c.site}` };
        const age = now - surplus.time;
        if (age > maxAgeMs) return { available: false, reason: `the latest surplus is ${Math.round(age / 1000)} s old (more than ${c.maxAge})` };
        const w = surplus.value;
        return typeof w === "number" && w > c.minSurplusW ? { available: true, reason: `surplus of ${w} W` } : { available: false, reason: `no surplus (${String(w)} W)` };
      }
      if (kind === "battery") {
        if (!soc) return { available: false, reason: `no battery state of charge from site ${c.site}` };
        // A controller that went quiet says nothing about the battery now.
        const socAge = now - soc.time;
        if (socAge > maxAgeMs) return { available: false, reason: `the latest state of charge is ${Math.round(socAge / 1000)} s old (more than ${c.maxAge})` };
        const pct = soc.value;
        return typeof pct === "number" && pct >= c.minSocPct ? { available: true, reason: `battery at ${pct} %` } : { available: false, reason: `battery at ${String(pct)} % (below ${c.minSocPct} %)` };
      }
      return { available: s.is_available === true, reason: "as set (the site balance does not cover this kind of source)" };
    };

    return {
      async input(msg: Message, send, done) {
        let sources: Source[];
        try {
          sources = sourcesOf(getPath(msg, c.sources));
        } catch (err) {
          done(new Error(`${c.sources}: ${err instanceof Error ? err.message : String(err)}`));
          return;
        }
        const now = Date.now();
        const [surplus, soc] = [await latest(node.store, c.surplusSeries), await latest(node.store, c.socSeries)];
        // Without any balance from the site the sources' own settings decide, as before the site flow existed.
        const basis = surplus || soc ? "site" : "settings";
        const verdicts = sources.map((s): [Source, Verdict] => [s, basis === "site" ? judge(s, surplus, soc, now) : { available: s.is_available === true, reason: "as set: no balance from the site" }]);
        const available = verdicts
          .filter(([, v]) => v.available)
          .map(([s]) => ({ ...s, is_available: true }))
          .sort((a, b) => priorityOf(a) - priorityOf(b));
        const inputs = {
          site: c.site,
          basis,
          at: new Date(now).toISOString(),
          readings: { surplus_w: reading(surplus), battery_soc_pct: reading(soc) },
          sources: Object.fromEntries(verdicts.map(([s, v]) => [String(s.name ?? s.source_type ?? "?"), v])),
        };
        node.status({ fill: basis === "site" ? "green" : "grey", shape: "dot", text: `${basis}: ${available.map((s) => String(s.name ?? s.source_type)).join(", ") || "none"} available` });
        send(setPath(setPath(msg, c.output, available), c.inputsOutput, inputs));
        done();
      },
    };
  },
});
