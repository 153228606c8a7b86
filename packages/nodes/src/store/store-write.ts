import { checkPoint, defineNode, MessageError, Type, getPath, parsePath, STORE_LIMITS, type Done, type Message, type PointValue, type Send, type TypedPoint } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { isPlainDottedPath } from "../shared/flatten.js";
import { readingTime } from "./reading-time.js";
import { SeriesBudget, tagSetKey } from "./series-budget.js";
import { leaves, pointValue, TOO_BIG } from "./values.js";

export default defineNode({
  type: "store-write",
  category: "storage",
  summary: "Writes the readings of each message (numbers, booleans, strings) to the embedded time-series store, in batches.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    series: Type.String({ minLength: 1, description: "series prefix: payload.battery.voltage is stored as <series>.battery.voltage" }),
    property: Type.String({ default: "payload", description: "the object (or single value) whose leaves are stored" }),
    fields: Type.Array(Type.String(), { default: [], description: "only these dotted fields (empty: every leaf, within maxNewSeriesPerMinute)" }),
    values: Type.Union([Type.Literal("typed"), Type.Literal("numbers")], {
      default: "typed",
      description: "typed: numbers, booleans and strings as sent (and JSON objects for named fields); numbers: numbers only, booleans as 1/0",
    }),
    maxNewSeriesPerMinute: Type.Integer({
      minimum: 0,
      default: 100,
      description: "without fields: new series one tag set (device) may add per minute; further new keys are refused and counted",
    }),
    tags: Type.Record(Type.String(), Type.String(), { default: {}, description: "tag name → message path, e.g. { host: 'payload.host_id' }" }),
    time: Type.String({ default: "payload.timestamp", description: "message path of the reading's time (ms or ISO); now when missing" }),
    // Each commit has a fixed cost and rewrites the pages it touched: under load, bigger batches write more points a second.
    batchSize: Type.Integer({ minimum: 1, default: 2000, description: "points written per transaction at most" }),
    flushInterval: Type.String({ pattern: DURATION_PATTERN, default: "0ms", description: "longest wait before a partial batch is written; 0ms writes what arrived in one engine turn together" }),
  }),
  inputs: 1,
  outputs: ["written"],
  concurrency: 100_000,
  async create(node, c) {
    for (const tag of Object.keys(c.tags)) {
      if (tag.length > STORE_LIMITS.tagName) throw new Error(`tags: tag name "${tag.slice(0, 40)}…" is longer than ${STORE_LIMITS.tagName} characters`);
    }
    for (const field of c.fields) {
      if (c.series.length + 1 + field.length > STORE_LIMITS.seriesName) throw new Error(`fields: series "${c.series}.${field}" is longer than ${STORE_LIMITS.seriesName} characters`);
    }
    const only = c.fields.length > 0 ? new Set(c.fields) : null;
    const prefix = `${c.series}.`;
    // Named fields bound the series by themselves; every-leaf mode takes keys from the sender, so it gets a budget.
    const budget =
      only === null
        ? new SeriesBudget(
            c.maxNewSeriesPerMinute,
            (await node.store.seriesNames(prefix)).map((s) => ({ field: s.series.slice(prefix.length), tags: s.tags })),
          )
        : null;
    let refused = 0;
    // Plain dotted names can be read in place; anything else is matched against the flattened leaves.
    const readInPlace = only !== null && c.fields.every(isPlainDottedPath);
    const tagPaths = Object.entries(c.tags);
    // Paths parsed once here, not looked up by their text for every message.
    const tagReads = tagPaths.map(([tag, path]) => ({ tag, path, segments: parsePath(path) }));
    const rootPath = c.property === "msg" ? null : parsePath(c.property);
    const timePath = parsePath(c.time);
    const fieldPaths = readInPlace ? c.fields.map((field) => ({ field, segments: parsePath(field) })) : [];
    // In every-leaf mode the leaves a tag or the time is read from are metadata, not readings.
    const metadata = new Set<string>();
    if (only === null) {
      const base = c.property === "msg" ? [] : parsePath(c.property).map(String);
      for (const path of [c.time, ...tagPaths.map(([, p]) => p)]) {
        const parts = parsePath(path).map(String);
        if (base.every((b, i) => parts[i] === b) && parts.length > base.length) metadata.add(parts.slice(base.length).join("."));
      }
    }
    const seriesNames = new Map<string, string>();
    const seriesOf = (field: string): string => {
      let name = seriesNames.get(field);
      if (name === undefined) {
        name = `${c.series}.${field}`;
        if (seriesNames.size < 10_000) seriesNames.set(field, name);
      }
      return name;
    };
    let points: TypedPoint[] = [];
    // The messages of the batch, each as three entries (the message, its send, its done): no object or closure per message.
    let waiting: (Message | Send | Done)[] = [];
    let timer: { cancel(): void } | null = null;
    let written = 0;
    const showStatus = (): void => {
      if (refused === 0) node.status({ fill: "green", shape: "dot", text: `${written} points` });
      else node.status({ fill: "yellow", shape: "dot", text: `${written} points, ${refused} series refused` });
    };

    // The messages of a batch are done only once their points are committed: an ack means stored.
    // Batches are written one after another, so forwarded messages keep their order whatever the backend.
    let writing: Promise<void> = Promise.resolve();
    const flush = (): void => {
      timer?.cancel();
      timer = null;
      if (waiting.length === 0) return;
      const batch = points;
      const handlers = waiting;
      points = [];
      waiting = [];
      const write = async (): Promise<void> => {
        try {
          await node.store.writePoints(batch);
        } catch (err) {
          node.status({ fill: "red", shape: "ring", text: `write failed: ${err instanceof Error ? err.message : String(err)}` });
          for (let i = 0; i < handlers.length; i += 3) (handlers[i + 2] as Done)(err);
          return;
        }
        written += batch.length;
        showStatus();
        for (let i = 0; i < handlers.length; i += 3) {
          (handlers[i + 1] as Send)(handlers[i] as Message);
          (handlers[i + 2] as Done)();
        }
      };
      writing = writing.then(write);
    };

    return {
      input(msg, send, done) {
        const root = rootPath === null ? msg : getPath(msg, rootPath);
        const time = readingTime(getPath(msg, timePath));
        const tags: Record<string, string> = {};
        for (const { tag, path, segments } of tagReads) {
          const v = getPath(msg, segments);
          if (v === undefined || v === null) continue;
          const text = String(v);
          if (text.length > STORE_LIMITS.tagValue) {
            node.countRejected();
            done(new Error(`${c.series}: tag ${tag} (${path}) is ${text.length} characters long; the store keeps at most ${STORE_LIMITS.tagValue}`));
            return;
          }
          tags[tag] = text;
        }
        let count = 0;
        // Where this message's points start in the batch: they are checked before joining it (see below).
        const first = points.length;
        let refusal: Refusal | null = null;
        const isObject = root !== null && typeof root === "object" && !Array.isArray(root);
        if (readInPlace && isObject) {
          // Named fields are read where they are, instead of flattening the whole payload to pick them out.
          for (const { field, segments } of fieldPaths) {
            const value = pointValue(getPath(root, segments), c.values, true);
            if (value === undefined) continue;
            if (value === TOO_BIG) {
              refusal ??= { long: 0, budget: 0, big: 0, first: `${prefix}${field}` };
              refusal.big += 1;
              continue;
            }
            points.push({ series: seriesOf(field), time, value, tags });
            count += 1;
          }
        } else {
          const found: Record<string, PointValue | typeof TOO_BIG | undefined> = isObject ? leaves(root, c.values) : { value: pointValue(root, c.values, false) };
          const tagKey = budget ? tagSetKey(tags) : "";
          const now = Date.now();
          for (const field in found) {
            const value = found[field];
            if (value === undefined || (only && !only.has(field)) || metadata.has(field)) continue;
            const why =
              value === TOO_BIG ? "big" : !budget ? null : prefix.length + field.length > STORE_LIMITS.seriesName ? "long" : budget.admit(tagKey, field, now) ? null : "budget";
            if (why !== null || value === TOO_BIG) {
              refusal ??= { long: 0, budget: 0, big: 0, first: `${prefix}${field}` };
              refusal[why ?? "big"] += 1;
              continue;
            }
            points.push({ series: seriesOf(field), time, value, tags });
            count += 1;
          }
        }
        if (refusal) {
          refused += refusal.long + refusal.budget + refusal.big;
          node.countRejected();
          const err = refusalError(c.series, tags, refusal, c.maxNewSeriesPerMinute);
          // Nothing left to store: the message fails with the reason; otherwise what fits is stored and the rest reported.
          if (count === 0) {
            showStatus();
            done(err);
            return;
          }
          node.error(err, msg);
        }
        if (count === 0) {
          done(new Error(`no ${c.values === "numbers" ? "numeric values" : "values"} at ${c.property} to store`));
          return;
        }
        // The store refuses a whole batch for one bad point (a time far off, a NUL), so each message's points are
        // checked here: a bad message fails alone, as a fault of the message, and the others of the batch are stored.
        try {
          const now = Date.now();
          for (let i = first; i < points.length; i++) checkPoint(points[i]!, now);
        } catch (err) {
          points.length = first;
          node.countRejected();
          done(new MessageError(`${c.series}: ${err instanceof Error ? err.message : String(err)}`));
          return;
        }
        waiting.push(msg, send, done);
        if (points.length >= c.batchSize) flush();
        else if (!timer) timer = node.timers.setTimeout(flush, parseDuration(c.flushInterval));
      },
      async close() {
        flush();
        await writing;
      },
    };
  },
});

/** Leaves of one message that did not become series, and why. */
interface Refusal {
  /** The series name would be longer than the store allows. */
  long: number;
  /** The tag set already added its new series for this minute. */
  budget: number;
  /** The value's JSON is longer than the store keeps. */
  big: number;
  first: string;
}

function refusalError(series: string, tags: Record<string, string>, r: Refusal, perMinute: number): Error {
  const tagText = Object.keys(tags).length > 0 ? ` for ${Object.entries(tags).map(([k, v]) => `${k}=${v.slice(0, 60)}`).join(", ")}` : "";
  const first = r.first.length > 80 ? `"${r.first.slice(0, 60)}…" (${r.first.length} characters)` : `"${r.first}"`;
  const parts: string[] = [];
  if (r.budget > 0) parts.push(`${r.budget} new series over the limit of ${perMinute} a minute (maxNewSeriesPerMinute)`);
  if (r.long > 0) parts.push(`${r.long} with a name longer than ${STORE_LIMITS.seriesName} characters`);
  if (r.big > 0) parts.push(`${r.big} with a value longer than ${STORE_LIMITS.valueBytes} characters of JSON`);
  return new Error(`${series}: refused ${parts.join(" and ")}${tagText}; first refused: ${first}. Name the stored keys in fields to keep only those`);
}
