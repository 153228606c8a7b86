import { defineNode, getPath, parsePath, setPath, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { TopicMap, topicOf } from "../shared/topics.js";

interface Series {
  /** The last `count` values (mean, min, max), oldest first. */
  values: number[];
  /** Running sum of `values` (mean). */
  sum: number;
  /** The filter's state (low-pass, high-pass). */
  filtered: number | undefined;
  lastInput: number | undefined;
}

export default defineNode({
  type: "smooth",
  category: "function",
  summary: "Smooths a numeric stream: mean, minimum or maximum of the last N values, or a low-pass or high-pass filter.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    action: Type.Union([Type.Literal("mean"), Type.Literal("min"), Type.Literal("max"), Type.Literal("low-pass"), Type.Literal("high-pass")], {
      default: "mean",
    }),
    count: Type.Integer({ minimum: 1, maximum: 100_000, default: 10, description: "mean, min, max: over the last N values; low-pass, high-pass: the filter's time constant in messages" }),
    reduce: Type.Boolean({ default: false, description: "mean, min, max: send one result every N values (then start afresh) instead of one per value" }),
    round: Type.Optional(Type.Integer({ minimum: 0, maximum: 15, description: "decimal places to round to" })),
    property: Type.String({ default: "payload", minLength: 1 }),
    perTopic: Type.Boolean({ default: false, description: "a separate series per msg.topic" }),
    maxTopics: Type.Integer({ minimum: 1, default: 10_000 }),
  }),
  inputs: 1,
  outputs: ["smoothed"],
  create(node, c) {
    const path = parsePath(c.property);
    const series = new TopicMap<Series>(c.maxTopics);
    const factor = c.round === undefined ? 0 : 10 ** c.round;
    const rounded = (v: number): number => (c.round === undefined ? v : Math.round(v * factor) / factor);

    const next = (s: Series, v: number): number | undefined => {
      switch (c.action) {
        case "low-pass":
          s.filtered = s.filtered === undefined ? v : s.filtered + (v - s.filtered) / c.count;
          return s.filtered;
        case "high-pass": {
          // The input minus its low-pass: what changes faster than the time constant.
          const alpha = c.count / (c.count + 1);
          s.filtered = s.lastInput === undefined ? 0 : alpha * ((s.filtered ?? 0) + v - s.lastInput);
          s.lastInput = v;
          return s.filtered;
        }
        default: {
          s.values.push(v);
          s.sum += v;
          if (s.values.length > c.count) s.sum -= s.values.shift()!;
          if (c.reduce && s.values.length < c.count) return undefined;
          const result = c.action === "mean" ? s.sum / s.values.length : extreme(s.values, c.action === "min" ? -1 : 1);
          if (c.reduce) {
            s.values = [];
            s.sum = 0;
          }
          return result;
        }
      }
    };

    return {
      input(msg: Message, send, done) {
        const topic = topicOf(msg, c.perTopic);
        if (msg.reset !== undefined) {
          if (c.perTopic && msg.topic !== undefined) series.delete(topic);
          else series.clear();
          return done();
        }
        const raw = getPath(msg, path);
        const v = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
        if (!Number.isFinite(v)) {
          node.countRejected();
          return done(new Error(`${c.property} is not a number (${JSON.stringify(raw)?.slice(0, 40)})`));
        }
        let s = series.get(topic);
        if (!s) {
          s = { values: [], sum: 0, filtered: undefined, lastInput: undefined };
          series.set(topic, s);
        }
        const result = next(s, v);
        if (result !== undefined) send(setPath(msg, path, rounded(result)));
        done();
      },
    };
  },
});

/** The smallest (`sign` -1) or largest (1) value; a loop, since spreading 100,000 arguments can overflow the stack. */
function extreme(values: readonly number[], sign: -1 | 1): number {
  let best = values[0]!;
  for (const v of values) if ((v - best) * sign > 0) best = v;
  return best;
}
