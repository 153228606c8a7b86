import { hasNul, shown } from "./point-checks.js";
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
 * one transaction on the next microtask, so they land all or nothing. A
 * batch the store refuses (the database is down) is kept and tried again,
 * 1 s after the failure and doubling up to 30 s, merged with later writes
 * (the newest value of each key wins); `close` tries once more and reports
 * what it could not write.
 *
 * Values are kept as their JSON text, so a read returns a fresh copy, as a
 * read from the database did: code that changes what it read does not change
 * the stored value behind the store's back.
 */
export class ContextViews {
  private readonly scopes = new Map<string, Promise<Map<string, string>>>();
  private pending: ContextChange[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** Wait before the next try after a failed write (0 while writes succeed). */
  private retryDelay = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private lastError: Error | undefined;
  private closing = false;

  /**
   * The store's context API as callers see it: a scope some node has open is
   * read and written through its view (so the node sees the change at once
   * and writes stay in order); other scopes go to the database directly.
   */
  readonly context: Store["context"];

  constructor(
    /** The backend's own context table. */
    private readonly raw: Store["context"],
    /** A write that failed (the store is away): reported; the changes are kept and tried again. */
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
        checkContextKey(scope, key);
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

  /** Resolves once every write made so far has been tried (a retry waiting is tried now); what fails stays pending. */
  async written(): Promise<void> {
    this.retryNow();
    let last: Promise<void>;
    do {
      last = this.writing;
      await last;
    } while (last !== this.writing);
  }

  /** Tries what is pending one last time; what still cannot be written is reported, as the process is about to forget it. */
  async close(): Promise<void> {
    this.closing = true;
    await this.written();
    if (this.pending.length === 0) return;
    const lost = this.pending;
    this.pending = [];
    const keys = lost.slice(0, 10).map((c) => `${c.scope}/${c.key}`).join(", ") + (lost.length > 10 ? `, … (${lost.length} in all)` : "");
    this.onWriteError(new Error(`context changes not written at close (${keys}): ${this.lastError?.message ?? "the store failed"}`));
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
    checkContextKey(scope, key);
    if (json === undefined) data.delete(key);
    else data.set(key, json);
    if (this.pending.length === 0) queueMicrotask(() => this.flushNow());
    this.pending.push({ scope, key, json });
  }

  private flushNow(): void {
    this.writing = this.writing.then(() => this.writeOnce());
  }

  private retryNow(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.flushNow();
  }

  /** Writes what is pending at the moment it runs, unless a retry is waiting (it will write it then). */
  private async writeOnce(): Promise<void> {
    if (this.retryTimer || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.raw.apply(batch);
      this.retryDelay = 0;
    } catch (thrown) {
      // Memory already has these values: drop them and the database keeps the old ones for good (a daily cap
      // would reset on restart). So they go back in front of what was written since, newest per key, and are
      // tried again after a growing wait.
      const err = thrown instanceof Error ? thrown : new Error(String(thrown));
      this.lastError = err;
      this.pending = latestPerKey([...batch, ...this.pending]);
      if (this.closing) return;
      this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay === 0 ? RETRY_FIRST_MS : this.retryDelay * 2);
      this.retryTimer = setTimeout(() => this.retryNow(), this.retryDelay);
      this.retryTimer.unref?.();
      this.onWriteError(new Error(`${err.message} (${this.pending.length} context changes kept, tried again in ${this.retryDelay / 1000} s)`));
    }
  }
}

/**
 * A key the database would refuse (PostgreSQL text holds no NUL) is refused
 * here, on both backends, when it is set: kept for retrying, it would hold
 * back every later write.
 */
function checkContextKey(scope: string, key: string): void {
  if (hasNul(scope) || hasNul(key)) throw new Error(`context ${shown(scope)} key ${shown(key)}: holds a NUL character (\\0)`);
}

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/** The last change of each scope and key, in the order of those last changes. */
function latestPerKey(changes: readonly ContextChange[]): ContextChange[] {
  const last = new Map<string, ContextChange>();
  for (const c of changes) {
    const id = `${c.scope}\u0000${c.key}`;
    last.delete(id);
    last.set(id, c);
  }
  return [...last.values()];
}
