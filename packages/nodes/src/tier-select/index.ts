import { defineNode, Type, setPath, parsePath, type HttpRequest, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { one, parseDateTime } from "../paged-query/params.js";

const tier = Type.Object({
  name: Type.String({ minLength: 1, description: "what the query parameter and the header call it: raw, 1m, 10m, …" }),
  series: Type.String({ minLength: 1, description: "the series prefix holding this tier (greenpower.rt, greenpower.rt_1m, …)" }),
  keep: Type.String({ pattern: DURATION_PATTERN, description: "how far back this tier holds data (its retention)" }),
});

const config = Type.Object({
  tiers: Type.Array(tier, { minItems: 1, description: "finest first; a query gets the finest whose retention still covers its start" }),
  param: Type.String({ default: "interval", description: "query parameter naming a tier outright" }),
  startParam: Type.String({ default: "start_time", description: "query parameter of the range start (ISO 8601)" }),
  endParam: Type.String({ default: "end_time", description: "query parameter of the range end (ISO 8601)" }),
  defaultRange: Type.String({ pattern: DURATION_PATTERN, default: "24h", description: "without a start: this long before the end (the end defaults to now)" }),
  output: Type.String({ default: "tier", description: "message path of the choice: { name, series }" }),
  header: Type.Optional(Type.String({ minLength: 1, description: "response header naming the tier, e.g. X-Telemetry-Tier" })),
});

export default defineNode({
  type: "tier-select",
  category: "storage",
  summary: "Picks the retention tier a time-range query reads: the one asked for, else the finest whose retention covers the range's start.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["chosen", "invalid"],
  create(_node, c) {
    const names = new Set<string>();
    for (const t of c.tiers) {
      if (names.has(t.name)) throw new Error(`tiers: "${t.name}" is named twice`);
      names.add(t.name);
    }
    const tiers = c.tiers.map((t) => ({ name: t.name, series: t.series, keepMs: parseDuration(t.keep) }));
    const output = parsePath(c.output);
    const defaultRangeMs = parseDuration(c.defaultRange);

    return {
      input(msg, send, done) {
        const req = msg.req as HttpRequest | undefined;
        if (!req || typeof req !== "object") {
          done(new Error("tier-select reads a request's query: wire it after an http-in (msg.req is missing)"));
          return;
        }
        const query = req.query ?? {};
        const asked = one(query, c.param);
        if (asked !== undefined && !names.has(asked)) {
          send([null, { ...msg, statusCode: 400, payload: { [c.param]: [`"${asked}" is not a valid choice.`] } }]);
          done();
          return;
        }
        // A start or end that is not a time is the list endpoint's to refuse; here it counts as missing.
        const time = (name: string): number | undefined => {
          const s = one(query, name);
          const t = s === undefined ? Number.NaN : parseDateTime(s);
          return Number.isNaN(t) ? undefined : t;
        };
        const now = Date.now();
        const from = time(c.startParam) ?? (time(c.endParam) ?? now) - defaultRangeMs;
        const chosen = asked !== undefined ? tiers.find((t) => t.name === asked)! : (tiers.find((t) => from >= now - t.keepMs) ?? tiers[tiers.length - 1]!);
        let out: Message = setPath(msg, output, { name: chosen.name, series: chosen.series });
        if (c.header) out = { ...out, headers: { ...(msg.headers as Record<string, string> | undefined), [c.header]: chosen.name } };
        send([out, null]);
        done();
      },
    };
  },
});
