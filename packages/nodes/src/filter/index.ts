import { defineNode, getPath, parsePath, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { TopicMap, topicOf } from "../shared/topics.js";

/** Deep equality of JSON-like values (payloads): structure and primitive values. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

export default defineNode({
  type: "filter",
  category: "function",
  summary: "Report by exception: passes a message only when its value changed, or moved out of (deadband) or stayed within (narrowband) a band.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    mode: Type.Union([Type.Literal("changed"), Type.Literal("changed-ignore-first"), Type.Literal("deadband"), Type.Literal("narrowband")], {
      default: "changed",
      description: "changed: pass when the value differs from the last; changed-ignore-first: the same, but the first value only sets the reference; deadband: pass when it moved by at least the band; narrowband: pass when it stayed within the band",
    }),
    band: Type.Number({ minimum: 0, default: 0, description: "the band for deadband and narrowband" }),
    bandUnit: Type.Union([Type.Literal("absolute"), Type.Literal("percent")], { default: "absolute", description: "percent: the band is this percentage of the reference value" }),
    inclusive: Type.Boolean({ default: true, description: "deadband passes a change equal to the band (≥); narrowband passes it too (≤). Off: strictly greater / smaller" }),
    compareTo: Type.Union([Type.Literal("last-output"), Type.Literal("last-input")], {
      default: "last-output",
      description: "deadband and narrowband: compare with the last value passed on, or with the last value received",
    }),
    startValue: Type.Optional(Type.Number({ description: "narrowband: the reference before the first value (without it, the first value passes and becomes the reference)" })),
    property: Type.String({ default: "payload", minLength: 1, description: "the message property compared" }),
    perTopic: Type.Boolean({ default: true, description: "keep a reference per msg.topic" }),
    maxTopics: Type.Integer({ minimum: 1, default: 10_000, description: "topics remembered at most (the least recently seen is forgotten)" }),
  }),
  inputs: 1,
  outputs: ["passed"],
  create(node, c) {
    const path = parsePath(c.property);
    const previous = new TopicMap<unknown>(c.maxTopics);
    const numeric = c.mode === "deadband" || c.mode === "narrowband";
    let warned = false;

    const bandAround = (reference: number): number => (c.bandUnit === "percent" ? Math.abs((reference * c.band) / 100) : c.band);

    const passesNumber = (topic: string, n: number): boolean => {
      let reference = previous.get(topic) as number | undefined;
      if (reference === undefined && c.mode === "narrowband") reference = c.startValue ?? n;
      if (reference === undefined) {
        // Deadband: the first value always passes.
        previous.set(topic, n);
        return true;
      }
      const change = Math.abs(n - reference);
      const band = bandAround(reference);
      const pass = c.mode === "deadband" ? (c.inclusive ? change >= band : change > band) : c.inclusive ? change <= band : change < band;
      if (pass || c.compareTo === "last-input") previous.set(topic, n);
      else if (previous.get(topic) === undefined) previous.set(topic, reference);
      return pass;
    };

    return {
      input(msg: Message, send, done) {
        const topic = topicOf(msg, c.perTopic);
        if (msg.reset !== undefined) {
          // A reset forgets the reference of its topic (or every one without a topic) and is not passed on.
          if (c.perTopic && msg.topic !== undefined) previous.delete(topic);
          else previous.clear();
          return done();
        }
        const value = getPath(msg, path);
        if (numeric) {
          const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
          if (!Number.isFinite(n)) {
            node.countRejected();
            if (!warned) {
              warned = true;
              node.log.warn(`${node.flowId}/${node.id}: ${c.property} is not a number (${JSON.stringify(value)?.slice(0, 40)}); such messages are not passed on (counted as rejected)`);
            }
            return done();
          }
          if (passesNumber(topic, n)) send(msg);
          return done();
        }
        const seen = previous.get(topic) as { value: unknown } | undefined;
        if (seen === undefined || !same(seen.value, value)) {
          // Messages are immutable, so keeping the value itself is safe (boxed: undefined is a value too).
          previous.set(topic, { value });
          if (!(seen === undefined && c.mode === "changed-ignore-first")) send(msg);
        }
        done();
      },
    };
  },
});
