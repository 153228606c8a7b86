import { ContextViews } from "../../store/context-views.js";
import type { ContextChange, Store, StoreBackend } from "../../store/types.js";
import type { HttpHandler, HttpReply, HttpRequest, HttpRouter, JobGate, JobOutcome, JobRun, RouteInfo, WsEndpoint, WsHub } from "../types.js";
import { asBuffer, type Channel } from "./channel.js";

/**
 * What a flow running in a worker thread reaches through its node handles,
 * served by the main thread over the channel: the store, the flow server's
 * routes and WebSocket endpoints, and the cluster's job gate. Each is the
 * same interface the main thread's nodes use.
 */

/** The main thread's store, operation by operation; context is held here as it is there (read once, written through). */
export function remoteStore(channel: Channel, backend: StoreBackend, location: string, onContextError: (err: Error) => void): Store {
  const op =
    <A extends unknown[], R>(...path: string[]) =>
    (...args: A): Promise<R> =>
      channel.call<R>("store", path, args);
  const rawContext: Store["context"] = {
    get: op("context", "get"),
    set: op("context", "set"),
    delete: op("context", "delete"),
    keys: op("context", "keys"),
    clear: op("context", "clear"),
    entries: op("context", "entries"),
    apply: op("context", "apply"),
  };
  const views = new ContextViews(rawContext, onContextError);
  return {
    backend,
    location,
    writePoints: op("writePoints"),
    latest: op("latest"),
    latestPerTagSet: op("latestPerTagSet"),
    range: op("range"),
    latestValue: op("latestValue"),
    rangeValues: op("rangeValues"),
    extreme: op("extreme"),
    buckets: op("buckets"),
    seriesNames: op("seriesNames"),
    listSeries: op("listSeries"),
    deleteOlderThan: op("deleteOlderThan"),
    rollup: op("rollup"),
    revisions: { add: op("revisions", "add"), list: op("revisions", "list"), get: op("revisions", "get"), latest: op("revisions", "latest") },
    records: {
      add: op("records", "add"),
      get: op("records", "get"),
      query: op("records", "query"),
      remove: op("records", "remove"),
      deleteOlderThan: op("records", "deleteOlderThan"),
    },
    context: views.context,
    openContext: (scope) => views.open(scope),
    outbox: {
      push: op("outbox", "push"),
      peek: op("outbox", "peek"),
      ack: op("outbox", "ack"),
      size: op("outbox", "size"),
      dropOldest: op("outbox", "dropOldest"),
      summary: op("outbox", "summary"),
    },
    deadLetters: { add: op("deadLetters", "add"), list: op("deadLetters", "list"), count: op("deadLetters", "count"), clear: op("deadLetters", "clear") },
    // The store itself belongs to the main thread: closing here only writes what this thread's context holds.
    close: () => views.close(),
  };
}

/** Operations the worker may run on the main thread's store (not `close`, not `openContext`). */
const STORE_OPERATIONS = new Set([
  "writePoints",
  "latest",
  "latestPerTagSet",
  "range",
  "latestValue",
  "rangeValues",
  "extreme",
  "buckets",
  "seriesNames",
  "listSeries",
  "deleteOlderThan",
  "rollup",
  "revisions.add",
  "revisions.list",
  "revisions.get",
  "revisions.latest",
  "records.add",
  "records.get",
  "records.query",
  "records.remove",
  "records.deleteOlderThan",
  "context.get",
  "context.set",
  "context.delete",
  "context.keys",
  "context.clear",
  "context.entries",
  "context.apply",
  "outbox.push",
  "outbox.peek",
  "outbox.ack",
  "outbox.size",
  "outbox.dropOldest",
  "outbox.summary",
  "deadLetters.add",
  "deadLetters.list",
  "deadLetters.count",
  "deadLetters.clear",
]);

/** Runs a store operation the worker asked for on the main thread's store. */
export function runStoreOperation(store: Store, path: string[], args: unknown[]): Promise<unknown> {
  const name = path.join(".");
  if (!STORE_OPERATIONS.has(name)) return Promise.reject(new Error(`store operation "${name}" is not available to an isolated flow`));
  if (name === "context.apply") return applyContext(store, args[0] as readonly ContextChange[]);
  let target: unknown = store;
  for (const segment of path.slice(0, -1)) target = (target as Record<string, unknown>)[segment];
  const fn = (target as Record<string, (...a: unknown[]) => Promise<unknown>>)[path[path.length - 1]!]!;
  return fn.apply(target, args);
}

/**
 * The worker's context writes go through the main thread's context API, key
 * by key, so a scope the main thread holds in memory too (`global`) sees
 * them. Only each key's last change of the batch is written: writes of one
 * key sent together could otherwise commit in any order on a pooled store.
 */
const contextWrites = new WeakMap<Store, Promise<unknown>>();

/** Batches are written one after another, in the order they came, so a later batch's value of a key wins. */
function applyContext(store: Store, changes: readonly ContextChange[]): Promise<unknown> {
  const previous = contextWrites.get(store) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => applyBatch(store, changes));
  contextWrites.set(store, next);
  return next;
}

function applyBatch(store: Store, changes: readonly ContextChange[]): Promise<unknown> {
  const last = new Map<string, ContextChange>();
  for (const c of changes) {
    const key = `${c.scope}\u0000${c.key}`;
    // Re-inserted so the map keeps the order of each key's last change.
    last.delete(key);
    last.set(key, c);
  }
  return Promise.all([...last.values()].map((c) => (c.json === undefined ? store.context.delete(c.scope, c.key) : store.context.set(c.scope, c.key, JSON.parse(c.json) as unknown))));
}

/** Routes on the main thread's flow server whose requests are answered here. */
export function remoteRouter(channel: Channel): HttpRouter & { routesChanged(routes: RouteInfo[]): void } {
  const handlers = new Map<number, HttpHandler>();
  let nextId = 0;
  let known: RouteInfo[] = [];
  channel.handle("http", async (id: number, req: HttpRequest): Promise<HttpReply> => {
    const handler = handlers.get(id);
    if (!handler) return { status: 404, body: { error: "not found" } };
    return handler({ ...req, body: asBuffer(req.body) });
  });
  return {
    route(method, path, handler, meta) {
      const id = ++nextId;
      handlers.set(id, handler);
      channel.note("route", id, method, path, meta);
      return () => {
        if (handlers.delete(id)) channel.note("unroute", id);
      };
    },
    // Sync by contract: the main thread sends the list after every deploy (routes change only then).
    routes: () => known,
    routesChanged(routes) {
      known = routes;
    },
  };
}

/** WebSocket endpoints on the main thread's flow server. */
export function remoteWsHub(channel: Channel): WsHub {
  const endpoints = new Map<number, { onMessage?: (data: string, clientId: string) => void; clients: number }>();
  let nextId = 0;
  channel.handle("wsMessage", (id: number, data: string, clientId: string) => endpoints.get(id)?.onMessage?.(data, clientId));
  channel.handle("wsClients", (id: number, count: number) => {
    const e = endpoints.get(id);
    if (e) e.clients = count;
  });
  return {
    endpoint(path, options) {
      const id = ++nextId;
      const state: { onMessage?: (data: string, clientId: string) => void; clients: number } = { clients: 0 };
      endpoints.set(id, state);
      channel.note("wsOpen", id, path, options ?? {});
      const endpoint: WsEndpoint = {
        path,
        // The count is the main thread's last word on it (sent when it changes), not a fresh one.
        broadcast(data) {
          channel.note("wsSend", id, data);
          return state.clients;
        },
        get clientCount() {
          return state.clients;
        },
        onMessage(handler) {
          state.onMessage = handler;
        },
        close() {
          if (endpoints.delete(id)) channel.note("wsClose", id);
        },
      };
      return endpoint;
    },
  };
}

/** The main thread's job gate; the work runs here when the gate says so. */
export function remoteJobs(channel: Channel, shared: boolean): JobGate {
  const works = new Map<number, (run: JobRun) => Promise<void>>();
  let nextId = 0;
  channel.handle("jobWork", (id: number, run: JobRun) => {
    const work = works.get(id);
    if (!work) throw new Error("the job's node stopped");
    return work(run);
  });
  return {
    shared,
    async run(job, slot, work, options): Promise<JobOutcome> {
      const id = ++nextId;
      works.set(id, work);
      const abort = (): void => channel.note("jobAbort", id);
      options?.signal?.addEventListener("abort", abort, { once: true });
      try {
        if (options?.signal?.aborted) abort();
        return await channel.call<JobOutcome>("jobRun", id, job, slot);
      } finally {
        works.delete(id);
        options?.signal?.removeEventListener("abort", abort);
      }
    },
  };
}
