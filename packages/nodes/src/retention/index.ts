import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";

const Rule = Type.Object({
  series: Type.Optional(Type.String({ minLength: 1, description: "a series name, or a prefix ending in * (solar.*)" })),
  collection: Type.Optional(Type.String({ minLength: 1, description: "instead of series: a record collection, or a prefix ending in * (greenpower.*)" })),
  keep: Type.String({ pattern: DURATION_PATTERN, description: "points (or records) older than this are removed, e.g. 7d, 6h" }),
  rollup: Type.Optional(
    Type.Object({
      every: Type.String({ pattern: DURATION_PATTERN, description: "bucket width of the coarser tier, e.g. 1h" }),
      prefix: Type.String({ minLength: 1, description: "the tier's series prefix: solar.pv.power → <prefix>.solar.pv.power" }),
      aggregate: Type.Union([Type.Literal("avg"), Type.Literal("min"), Type.Literal("max"), Type.Literal("sum"), Type.Literal("last")], { default: "avg" }),
    }),
  ),
});

export default defineNode({
  type: "retention",
  category: "storage",
  summary: "On a schedule, removes old points and records from the store, optionally rolling points up into a coarser tier first; reports what it removed.",
  docs: readDocs(import.meta.url),
  config: Type.Object({
    cron: Type.String({ default: "0 2 * * *", description: "when to run (cron, seconds optional)" }),
    timezone: Type.Optional(Type.String({ description: "IANA zone of the cron schedule" })),
    rules: Type.Array(Rule, { minItems: 1 }),
  }),
  inputs: 1,
  outputs: ["report"],
  create(node, c) {
    c.rules.forEach((rule, i) => {
      if ((rule.series === undefined) === (rule.collection === undefined)) throw new Error(`rules[${i}]: give either series or collection (one of them)`);
      if (rule.collection !== undefined && rule.rollup) throw new Error(`rules[${i}]: rollup applies to series, not to record collections`);
    });
    const run = (): Record<string, unknown> => {
      const now = Date.now();
      const results = c.rules.map((rule) => {
        const before = now - parseDuration(rule.keep);
        if (rule.collection !== undefined) {
          const removed = node.store.records.deleteOlderThan(rule.collection, before);
          return { collection: rule.collection, before: new Date(before).toISOString(), removed };
        }
        const series = rule.series!;
        let rolledUp = 0;
        let cut = before;
        if (rule.rollup) {
          const every = parseDuration(rule.rollup.every);
          const agg = rule.rollup.aggregate;
          const names = series.endsWith("*") ? [...new Set(node.store.seriesNames(series.slice(0, -1)).map((s) => s.series))] : [series];
          // Only whole buckets are rolled up, so a later run never writes a partial bucket twice; the raw points
          // of the bucket the cut falls in stay until a later run rolls that bucket up whole.
          const edge = Math.floor(before / every) * every;
          cut = edge;
          node.store.transaction(() => {
            for (const name of names) {
              const buckets = node.store.buckets({ series: name, from: 0, to: edge, every, aggregates: [agg] });
              node.store.writePoints(buckets.map((b) => ({ series: `${rule.rollup!.prefix}.${name}`, time: b.time, value: b.values[agg]!, tags: b.tags })));
              rolledUp += buckets.length;
            }
          });
        }
        const removed = node.store.deleteOlderThan(series, cut);
        return { series, before: new Date(cut).toISOString(), removed, rolledUp };
      });
      const removed = results.reduce((n, r) => n + r.removed, 0);
      node.status({ fill: "green", shape: "dot", text: `${new Date(now).toISOString().slice(0, 16)}: removed ${removed}` });
      node.log.info({ results }, `retention removed ${removed} points and records`);
      return { time: new Date(now).toISOString(), removed, rules: results };
    };
    const fire = (): void => {
      try {
        node.send(node.newMessage({ payload: run() }));
      } catch (err) {
        node.error(err);
      }
    };
    return {
      start() {
        const job = node.timers.cron(c.cron, fire, c.timezone ? { timezone: c.timezone } : undefined);
        node.status({ fill: "grey", shape: "ring", text: `next: ${job.nextRun()?.toISOString() ?? "never"}` });
      },
      input(msg, send, done) {
        send({ ...msg, payload: run() });
        done();
      },
      trigger: fire,
    };
  },
});
