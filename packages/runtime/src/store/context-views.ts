import type { ContextChange, ContextView, Store } from "./types.js";

/**
 * Context as nodes and function code use it: `flow.get("x")` answers at once.
 *
 * The store is asynchronous (PostgreSQL answers over a socket), but context
 * reads sit inside user code that cannot await, so each scope is read from
 * the store once (when the first node using it starts) and then served from
 * memory. This process is the only writer of its node, flow and global
 * scopes while it runs them, so memory stays the truth; writes go through to
 * the store in the order they were made. Writes made in one synchronous
 * stretch (a node's handler, a window-buffer flush) are applied together in
 * one transaction on the next microtask, so they land all or nothing.
 *
 * Values are kept as their JSON text, so a read returns a fresh copy, as a
 * read from the database did: code that changes what it read does not change
 * the stored value behind the store's back.
 */
export class ContextViews {
  private readonly scopes = new Map<string, Promise<Map<string, string>>>();
  private pending: ContextChange[] = [];
  private writing: Promise<void> = Promise.resolve();

  /**
   * The store's context API as callers see it: a scope some node has open is
   * read and written through its view (so the node sees the change at once
   * and writes stay in order); other scopes go to the database directly.
   */
  readonly context: Store["context"];

  constructor(
    /** The backend's own context table. */
    private readonly raw: Store["context"],
    /** A write that failed (the store is away or closed): reported, the memory keeps the value. */
    private readonly onWriteError: (err: Error) => void = (err) => process.emitWarning(`context write failed: ${err.message}`),
  ) {
    const loaded = (scope: string): Promise<Map<string, string>> | undefined => this.scopes.get(scope);
    this.context = {
      get: async <T>(scope: string, key: string): Promise<T | undefined> => {
        const data = loaded(scope);
        if (!data) return raw.get<T>(scope, key);
        const json = (await data).get(key);
        return json === undefined ? undefined : (JSON.parse(json) as T);
      },
      set: async (scope, key, value) => {
        const data = loaded(scope);
        if (!data) return raw.set(scope, key, value);
        this.change(scope, await data, key, value === undefined ? undefined : JSON.stringify(value));
      },
      delete: async (scope, key) => {
        const data = loaded(scope);
        if (!data) return raw.delete(scope, key);
        this.change(scope, await data, key, undefined);
      },
      keys: async (scope) => {
        const data = loaded(scope);
        return data ? [...(await data).keys()].sort() : raw.keys(scope);
      },
      clear: async (scope) => {
        const data = loaded(scope);
        if (!data) return raw.clear(scope);
        const map = await data;
        for (const key of [...map.keys()]) this.change(scope, map, key, undefined);
      },
      entries: (scope) => raw.entries(scope),
      apply: (changes) => raw.apply(changes),
    };
  }

  async open(scope: string): Promise<ContextView> {
    let loading = this.scopes.get(scope);
    if (!loading) {
      loading = this.raw.entries(scope).then((rows) => new Map(rows));
      this.scopes.set(scope, loading);
      loading.catch(() => this.scopes.delete(scope));
    }
    return this.view(scope, await loading);
  }

  /** Resolves once every write made so far is in the store. */
  async written(): Promise<void> {
    this.flushNow();
    let last: Promise<void>;
    do {
      last = this.writing;
      await last;
    } while (last !== this.writing || this.pending.length > 0);
  }

  private view(scope: string, data: Map<string, string>): ContextView {
    return {
      get: <T>(key: string): T | undefined => {
        const json = data.get(key);
        return json === undefined ? undefined : (JSON.parse(json) as T);
      },
      set: (key, value) => this.change(scope, data, key, value === undefined ? undefined : JSON.stringify(value)),
      delete: (key) => this.change(scope, data, key, undefined),
      keys: () => [...data.keys()].sort(),
    };
  }

  private change(scope: string, data: Map<string, string>, key: string, json: string | undefined): void {
    if (json === undefined) data.delete(key);
    else data.set(key, json);
    if (this.pending.length === 0) queueMicrotask(() => this.flushNow());
    this.pending.push({ scope, key, json });
  }

  private flushNow(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(() => this.raw.apply(batch)).catch((err: unknown) => this.onWriteError(err instanceof Error ? err : new Error(String(err))));
  }
}
