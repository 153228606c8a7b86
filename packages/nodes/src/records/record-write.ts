import { defineNode, getPath, setPath, STORE_LIMITS, Type, type JsonValue, type StoredRecord } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { timeOf } from "../shared/flatten.js";

export default defineNode({
  type: "record-write",
  category: "storage",
  summary: "Keeps each message as a record (a document with a time and tags) in a collection of the embedded store.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    collection: Type.String({ minLength: 1, maxLength: STORE_LIMITS.collectionName, description: "collection name, e.g. greenpower.events" }),
    property: Type.String({ default: "payload", description: "the message property kept as the record's body" }),
    tags: Type.Record(Type.String({ maxLength: STORE_LIMITS.tagName }), Type.String(), { default: {}, description: "tag name → message path, e.g. { device_id: 'payload.device_id' }" }),
    time: Type.String({ default: "payload.timestamp", description: "message path of the record's time (ms or ISO); now when missing" }),
    key: Type.Optional(Type.String({ description: "message path of a key unique in the collection: a record with an existing key replaces it" })),
    output: Type.String({ default: "record", description: "where the stored record (with its id) is put on the message passed on" }),
  }),
  inputs: 1,
  outputs: ["written"],
  create(node, c) {
    const tagPaths = Object.entries(c.tags);
    let written = 0;
    return {
      async input(msg, send, done) {
        const body = getPath(msg, c.property);
        if (body === undefined) {
          node.countRejected();
          done(new Error(`${c.collection}: the message has no ${c.property} to keep`));
          return;
        }
        const tags: Record<string, string> = {};
        for (const [tag, path] of tagPaths) {
          const v = getPath(msg, path);
          if (v !== undefined && v !== null) tags[tag] = String(v);
        }
        let key: string | undefined;
        if (c.key !== undefined) {
          const k = getPath(msg, c.key);
          if (typeof k !== "string" && typeof k !== "number") {
            node.countRejected();
            done(new Error(`${c.collection}: the key at ${c.key} must be a string or number (got ${k === undefined ? "nothing" : typeof k})`));
            return;
          }
          key = String(k);
        }
        let record: StoredRecord | undefined;
        try {
          [record] = await node.store.records.add([
            { collection: c.collection, time: timeOf(getPath(msg, c.time)), tags, body: body as JsonValue, ...(key !== undefined ? { key } : {}) },
          ]);
        } catch (err) {
          // The store checks the limits and names the collection; the message fails with that.
          node.countRejected();
          done(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        written += 1;
        node.status({ fill: "green", shape: "dot", text: `${written} records` });
        send(setPath(msg, c.output, record));
        done();
      },
    };
  },
});
