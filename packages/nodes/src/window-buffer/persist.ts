import type { NodeContext } from "@wattflow/runtime";
import type { KeyedBuffers } from "./buffers.js";

/** What is kept per key in the node's context: its field values, its readings oldest first, and when it was last written. */
interface SavedKey {
  parts: string[];
  items: unknown[];
  /** [flush time, position in that flush]: restores the order of last update. */
  at: [number, number];
}

const KEY_PREFIX = "k:";
const SHAPE = "shape";

/**
 * Keeps a node's buffers in its context: only the keys that changed are
 * written, together, at most once per interval (write-behind) and on close.
 * One row per key, so a busy key costs one small write a second, not a
 * rewrite of every buffer per reading. Context writes made in one go reach
 * the store in one transaction, so a flush lands whole or not at all.
 */
export class BufferPersistence<T> {
  private readonly dirty = new Set<string>();

  constructor(
    private readonly context: NodeContext,
    private readonly buffers: KeyedBuffers<T>,
    /** Key fields and what is kept: saved buffers of another shape are dropped, not mixed in. */
    private readonly shape: string,
  ) {}

  get pending(): number {
    return this.dirty.size;
  }

  /** Loads saved buffers (newest `maxKeys` keys, newest `size` readings each); returns how many keys. */
  restore(maxKeys: number): number {
    if (this.context.get<string>(SHAPE) !== this.shape) {
      for (const k of this.context.keys()) this.context.delete(k);
      this.context.set(SHAPE, this.shape);
      return 0;
    }
    const saved: { key: string; value: SavedKey }[] = [];
    for (const k of this.context.keys()) {
      if (!k.startsWith(KEY_PREFIX)) continue;
      const value = this.context.get<SavedKey>(k);
      if (value && Array.isArray(value.items) && Array.isArray(value.parts)) saved.push({ key: k.slice(KEY_PREFIX.length), value });
    }
    saved.sort((a, b) => a.value.at[0] - b.value.at[0] || a.value.at[1] - b.value.at[1]);
    for (const { key, value } of saved.slice(-maxKeys)) for (const item of value.items) this.buffers.add(key, value.parts, item as T);
    return Math.min(saved.length, maxKeys);
  }

  /** A key whose buffer changed (or was evicted). */
  touch(key: string): void {
    this.dirty.add(key);
  }

  /** Writes the changed keys (one transaction in the store). */
  flush(): void {
    if (this.dirty.size === 0) return;
    const now = Date.now();
    let i = 0;
    // In update order, so a restore rebuilds the same least-recently-updated order.
    for (const key of this.buffers.keys()) {
      if (!this.dirty.delete(key)) continue;
      const value: SavedKey = { parts: [...(this.buffers.partsOf(key) ?? [])], items: this.buffers.get(key) ?? [], at: [now, i++] };
      this.context.set(KEY_PREFIX + key, value);
    }
    // What is left was evicted.
    for (const key of this.dirty) this.context.delete(KEY_PREFIX + key);
    this.dirty.clear();
  }
}
