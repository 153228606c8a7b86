import { defineNode, Type, getPath, type Done, type Point } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { isPlainDottedPath, leafNumber, numericLeaves, timeOf } from "../shared/flatten.js";

export default defineNode({
  type: "store-write",
  category: "storage",
  summary: "Writes the numbers of each message to the embedded time-series store, in batches.",
  docs: readDocs(import.meta.url),
  config: Type.Object({
    series: Type.String({ minLength: 1, description: "series prefix: payload.battery.voltage is stored as <series>.battery.voltage" }),
    property: Type.String({ default: "payload", description: "the object (or number) whose numeric leaves are stored" }),
    fields: Type.Array(Type.String(), { default: [], description: "only these dotted fields (empty: every numeric leaf)" }),
    tags: Type.Record(Type.String(), Type.String(), { default: {}, description: "tag name → message path, e.g. { host: 'payload.host_id' }" }),
    time: Type.String({ default: "payload.timestamp", description: "message path of the reading's time (ms or ISO); now when missing" }),
    batchSize: Type.Integer({ minimum: 1, default: 500, description: "points written per transaction at most" }),
    flushInterval: Type.String({ pattern: DURATION_PATTERN, default: "0ms", description: "longest wait before a partial batch is written; 0ms writes what arrived in one engine turn together" }),
  }),
  inputs: 1,
  outputs: ["written"],
  concurrency: 100_000,
  create(node, c) {
    const only = c.fields.length > 0 ? new Set(c.fields) : null;
    // Plain dotted names can be read in place; anything else is matched against the flattened leaves.
    const readInPlace = only !== null && c.fields.every(isPlainDottedPath);
    const tagPaths = Object.entries(c.tags);
    const seriesNames = new Map<string, string>();
    const seriesOf = (field: string): string => {
      let name = seriesNames.get(field);
      if (name === undefined) {
        name = `${c.series}.${field}`;
        if (seriesNames.size < 10_000) seriesNames.set(field, name);
      }
      return name;
    };
    let points: Point[] = [];
    let waiting: { done: Done; forward: () => void }[] = [];
    let timer: { cancel(): void } | null = null;
    let written = 0;

    // The messages of a batch are done only once their points are committed: an ack means stored.
    const flush = (): void => {
      timer?.cancel();
      timer = null;
      if (waiting.length === 0) return;
      const batch = points;
      const handlers = waiting;
      points = [];
      waiting = [];
      try {
        node.store.writePoints(batch);
        written += batch.length;
        node.status({ fill: "green", shape: "dot", text: `${written} points` });
        for (const h of handlers) {
          h.forward();
          h.done();
        }
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: `write failed: ${err instanceof Error ? err.message : String(err)}` });
        for (const h of handlers) h.done(err);
      }
    };

    return {
      input(msg, send, done) {
        const root = c.property === "msg" ? msg : getPath(msg, c.property);
        const time = timeOf(getPath(msg, c.time));
        const tags: Record<string, string> = {};
        for (const [tag, path] of tagPaths) {
          const v = getPath(msg, path);
          if (v !== undefined && v !== null) tags[tag] = String(v);
        }
        let count = 0;
        if (readInPlace && typeof root !== "number") {
          // Named fields are read where they are, instead of flattening the whole payload to pick them out.
          for (const field of c.fields) {
            const value = leafNumber(getPath(root, field));
            if (value === undefined) continue;
            points.push({ series: seriesOf(field), time, value, tags });
            count += 1;
          }
        } else {
          const leaves = typeof root === "number" ? { value: root } : numericLeaves(root);
          for (const field in leaves) {
            if (only && !only.has(field)) continue;
            points.push({ series: seriesOf(field), time, value: leaves[field]!, tags });
            count += 1;
          }
        }
        if (count === 0) {
          done(new Error(`no numeric values at ${c.property} to store`));
          return;
        }
        waiting.push({ done, forward: () => send(msg) });
        if (points.length >= c.batchSize) flush();
        else if (!timer) timer = node.timers.setTimeout(flush, parseDuration(c.flushInterval));
      },
      close() {
        flush();
      },
    };
  },
});
