import { defineNode, getPath, parsePath, setPath, Type, type HttpReply, type HttpRequest, type Message, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { KeyedBuffers } from "./buffers.js";
import { BufferPersistence } from "./persist.js";
import { keyFields, keyOf } from "./keys.js";
import { QueryError, selection } from "./query.js";

/** Status changes with every reading; the editor needs it at most this often. */
const STATUS_INTERVAL_MS = 1000;

const KeyField = Type.Union([
  Type.String({ minLength: 1, description: "message path; its last segment names it (payload.sensor_id → sensor_id)" }),
  Type.Object({
    name: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.-]*$", description: "query parameter name" }),
    path: Type.String({ minLength: 1, description: "message path of the value" }),
  }),
]);

export default defineNode({
  type: "window-buffer",
  category: "storage",
  summary: "Keeps the last N readings per key (in memory, saved to the store), passes readings on, and answers queries from messages or an HTTP route.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    key: Type.Array(KeyField, { default: [], description: "the fields that make a reading's key, joined with / (empty: one buffer for everything)" }),
    size: Type.Integer({ minimum: 1, maximum: 100_000, default: 60, description: "readings kept per key, the newest" }),
    maxKeys: Type.Integer({ minimum: 1, default: 10_000, description: "past this many keys the least recently updated is dropped" }),
    property: Type.String({ default: "payload", minLength: 1, description: "what is kept of each reading (msg: the whole message)" }),
    queryProperty: Type.String({ default: "query", minLength: 1, description: "a message with this property is a query, answered on output 2, not stored" }),
    path: Type.Optional(Type.String({ pattern: "^/", description: "serve the buffers as JSON at this GET path; key field names are the query parameters" })),
    persist: Type.Boolean({ default: true, description: "save the buffers in the store and restore them after a restart" }),
    persistInterval: Type.String({ pattern: DURATION_PATTERN, default: "1s", description: "longest wait before changed buffers are saved (and always on stop)" }),
  }),
  inputs: 1,
  outputs: ["out", "query result"],
  create(node, c) {
    const fields = keyFields(c.key);
    const stored = c.property === "msg" ? null : parsePath(c.property);
    const queryPath = parsePath(c.queryProperty);
    const buffers = new KeyedBuffers<unknown>(c.size, c.maxKeys);
    let unkeyed = 0;
    let statusTimer: TimerHandle | null = null;
    const persistence = c.persist ? new BufferPersistence(node.context, buffers, JSON.stringify({ key: c.key, property: c.property })) : null;
    const persistEvery = parseDuration(c.persistInterval);
    let persistTimer: TimerHandle | null = null;
    const save = (): void => {
      persistTimer = null;
      try {
        persistence?.flush();
      } catch (err) {
        node.error(new Error(`window-buffer: saving the buffers failed: ${err instanceof Error ? err.message : String(err)}`));
      }
    };

    const showStatus = (): void => {
      statusTimer = null;
      const parts = [`${buffers.keyCount} keys`];
      if (buffers.evicted > 0) parts.push(`${buffers.evicted} evicted`);
      if (unkeyed > 0) parts.push(`${unkeyed} without key`);
      node.status({ fill: unkeyed > 0 ? "yellow" : "green", shape: "dot", text: parts.join(" · ") });
    };
    const statusSoon = (): void => {
      if (!statusTimer) statusTimer = node.timers.setTimeout(showStatus, STATUS_INTERVAL_MS);
    };

    /** One key's readings (oldest first; [] for a key never seen), or an object of keys to readings. */
    const answer = (query: Record<string, unknown>, where: string): unknown => {
      const wanted = selection(query, fields, where);
      return wanted.kind === "one" ? (buffers.get(wanted.key) ?? []) : buffers.select(wanted.match);
    };

    const serve = (req: HttpRequest): HttpReply => {
      try {
        return { status: 200, body: answer(req.query, "the query string") };
      } catch (err) {
        if (err instanceof QueryError) return { status: 400, body: { error: "bad query", message: err.message } };
        throw err;
      }
    };

    const store = (msg: Message): void => {
      const key = keyOf(msg, fields);
      if (!key) {
        // Counted, not reported: one misconfigured sensor would flood the catch nodes.
        unkeyed += 1;
        return;
      }
      const evicted = buffers.add(key.key, key.parts, stored ? getPath(msg, stored) : msg);
      if (persistence) {
        persistence.touch(key.key);
        if (evicted !== undefined) persistence.touch(evicted);
        persistTimer ??= node.timers.setTimeout(save, persistEvery);
      }
    };

    return {
      start() {
        if (persistence) {
          const restored = persistence.restore(c.maxKeys);
          if (restored > 0) node.log.info({ keys: restored }, "window-buffer restored its buffers");
        }
        if (c.path) node.http.route("GET", c.path, serve);
        showStatus();
      },
      close() {
        persistTimer?.cancel();
        save();
      },
      input(msg, send, done) {
        const query = getPath(msg, queryPath);
        if (query === undefined) {
          store(msg);
          statusSoon();
          send(msg);
          done();
          return;
        }
        const where = `msg.${c.queryProperty}`;
        if (query === null || typeof query !== "object" || Array.isArray(query)) {
          done(new QueryError(`${where} must be an object such as {} or { "key": "…" } (got ${Array.isArray(query) ? "an array" : JSON.stringify(query)})`));
          return;
        }
        send([null, setPath(msg, ["payload"], answer(query as Record<string, unknown>, where))]);
        done();
      },
    };
  },
});
