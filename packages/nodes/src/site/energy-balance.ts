import { defineNode, getPath, Type, type Store, type Tags } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { timeOf } from "../shared/flatten.js";
import { siteBalance, type SiteReadings } from "./balance-model.js";

const Source = (what: string) =>
  Type.Optional(
    Type.Object(
      {
        series: Type.String({ minLength: 1, description: "a series another flow writes, e.g. solar.raw.pv_array.power" }),
        tags: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "only the tag set with these tags (default: every tag set, summed)" })),
        scale: Type.Number({ default: 1, description: "multiplies the value (1000 for kW)" }),
      },
      { description: what },
    ),
  );

const config = Type.Object({
  site: Type.String({ minLength: 1, default: "home", description: "site id, sent as payload.site" }),
  sources: Type.Object({
    pv: Source("PV array power, W"),
    batteryCharge: Source("power into the battery from the charge controller, W"),
    batteryLoad: Source("power the charge controller's load output draws from the battery, W"),
    soc: Source("battery state of charge, %"),
    house: Source("household power without the heat pump, W"),
    heatpump: Source("heat-pump electrical power, W (several heat pumps: every tag set, summed)"),
  }),
  maxAge: Type.String({ pattern: DURATION_PATTERN, default: "5m", description: "a reading older than this at the sample time counts as missing" }),
  time: Type.String({ default: "time", description: "message path of the sample time (ms or ISO); now when missing" }),
});

type SourceName = keyof SiteReadings;
type SourceConfig = { series: string; tags?: Record<string, string>; scale: number };

/**
 * The newest value of each tag set at or before `at` and not older than
 * `maxAgeMs`, summed over the tag sets (several heat pumps add up).
 */
async function sample(store: Store, s: SourceConfig, at: number, maxAgeMs: number): Promise<number | undefined> {
  const points = await store.range({ series: s.series, from: at - maxAgeMs, to: at + 1, order: "desc", ...(s.tags ? { tags: s.tags as Tags } : {}) });
  const seen = new Set<string>();
  let sum: number | undefined;
  for (const p of points) {
    const key = JSON.stringify(p.tags ?? {});
    if (seen.has(key)) continue;
    seen.add(key);
    sum = (sum ?? 0) + p.value * s.scale;
  }
  return sum;
}

export default defineNode({
  type: "energy-balance",
  category: "energy",
  summary: "Samples the series other flows write (PV, battery, house, heat pump) and sends the site's energy balance: consumption, grid import/export, battery, self-consumption, surplus.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["balance"],
  create(node, c) {
    const maxAgeMs = parseDuration(c.maxAge);
    const sources = Object.entries(c.sources).filter((e): e is [SourceName, SourceConfig] => e[1] !== undefined);
    return {
      async input(msg, send, done) {
        const at = timeOf(getPath(msg, c.time));
        const values: Partial<Record<SourceName, number>> = {};
        const missing: string[] = [];
        for (const [name, source] of sources) {
          const v = await sample(node.store, source, at, maxAgeMs);
          if (v === undefined) missing.push(name);
          else values[name] = v;
        }
        if (missing.length === sources.length) {
          node.status({ fill: "yellow", shape: "ring", text: "no recent readings" });
          done();
          return;
        }
        const balance = siteBalance({
          pv: values.pv ?? 0,
          batteryCharge: values.batteryCharge ?? 0,
          batteryLoad: values.batteryLoad ?? 0,
          house: values.house ?? 0,
          heatpump: values.heatpump ?? 0,
          ...(values.soc !== undefined ? { soc: values.soc } : {}),
        });
        node.status(
          missing.length > 0
            ? { fill: "yellow", shape: "dot", text: `surplus ${balance.surplus_w} W (no ${missing.join(", ")})` }
            : { fill: "green", shape: "dot", text: `surplus ${balance.surplus_w} W` },
        );
        send({ ...msg, payload: { site: c.site, timestamp: new Date(at).toISOString(), ...balance, missing } });
        done();
      },
    };
  },
});
