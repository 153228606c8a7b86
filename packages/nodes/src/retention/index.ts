import { defineNode, Type, type Static } from "@wattflow/runtime";
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
  get docs() {
    return readDocs(import.meta.url);
  },
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
    const run = async (): Promise<Record<string, unknown>> => {
      const now = Date.now();
      const results: ({ removed: number } & Record<string, unknown>)[] = [];
      for (const rule of c.rules) results.push(await runRule(rule, now));
      const removed = results.reduce((n, r) => n + r.removed, 0);
      node.status({ fill: "green", shape: "dot", text: `${new Date(now).toISOString().slice(0, 16)}: removed ${removed}` });
      node.log.info({ results }, `retention removed ${removed} points and records`);
      return { time: new Date(now).toISOString(), removed, rules: results };
    };
    const runRule = async (rule: Static<typeof Rule>, now: number): Promise<{ removed: number } & Record<string, unknown>> => {
      const before = now - parseDuration(rule.keep);
      if (rule.collection !== undefined) {
        const removed = await node.store.records.deleteOlderThan(rule.collection, before);
        return { collection: rule.collection, before: new Date(before).toISOString(), removed };
      }
      const series = rule.series!;
      let rolledUp = 0;
      let cut = before;
      if (rule.rollup) {
        const every = parseDuration(rule.rollup.every);
        const agg = rule.rollup.aggregate;
        const names = series.endsWith("*") ? [...new Set((await node.store.seriesNames(series.slice(0, -1))).map((s) => s.series))] : [series];
        // Only whole buckets are rolled up, so a later run never writes a partial bucket twice; the raw points
        // of the bucket the cut falls in stay until a later run rolls that bucket up whole.
        const edge = Math.floor(before / every) * every;
        cut = edge;
        rolledUp = await node.store.rollup({ series: names, every, to: edge, aggregate: agg, prefix: rule.rollup.prefix });
      }
      const removed = await node.store.deleteOlderThan(series, cut);
      return { series, before: new Date(cut).toISOString(), removed, rolledUp };
    };
    const fire = (): void => {
      run().then(
        (payload) => void node.send(node.newMessage({ payload })),
        (err: unknown) => node.error(err),
      );
    };
    /** When the cron is due next: the slot of its next fire, the same time on every runtime however late the timer is. */
    let due: (() => Date | null) | null = null;
    let nextSlot: number | null = null;
    /**
     * A scheduled run happens once per cluster (every runtime's cron fires; the job's lock holder runs it) and
     * counts as done once its report was handled downstream.
     */
    const scheduled = (): void => {
      const now = Date.now();
      // A fire far from its planned time (the machine slept) falls back to the time to the second.
      const slot = nextSlot !== null && Math.abs(now - nextSlot) < 30_000 ? nextSlot : Math.round(now / 1000) * 1000;
      nextSlot = due?.()?.getTime() ?? null;
      node.jobs
        .run(`${node.flowId}/${node.id}`, slot, async ({ lastRun }) => {
          const payload = { ...(await run()), slot: new Date(slot).toISOString(), lastRun: lastRun === null ? null : new Date(lastRun).toISOString() };
          await new Promise<void>((resolve, reject) => {
            void node.send(node.newMessage({ payload }), { onComplete: (done) => (done.outcome === "ack" ? resolve() : reject(done.error)) });
          });
        })
        .catch((err: unknown) => node.error(err));
    };
    return {
      start() {
        const job = node.timers.cron(c.cron, scheduled, c.timezone ? { timezone: c.timezone } : undefined);
        due = () => job.nextRun();
        nextSlot = job.nextRun()?.getTime() ?? null;
        node.status({ fill: "grey", shape: "ring", text: `next: ${job.nextRun()?.toISOString() ?? "never"}` });
      },
      async input(msg, send, done) {
        send({ ...msg, payload: await run() });
        done();
      },
      trigger: fire,
    };
  },
});
