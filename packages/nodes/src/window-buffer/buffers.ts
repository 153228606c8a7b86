import { Ring } from "./ring.js";

interface Entry<T> {
  /** The key's field values, for queries naming only some fields. */
  parts: readonly string[];
  ring: Ring<T>;
}

/**
 * One ring per key, at most `maxKeys` of them. The Map's insertion order is
 * the order of last update, so the least recently updated key is the first
 * one and evicting it is O(1).
 */
export class KeyedBuffers<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private lastKey: string | undefined;
  evicted = 0;

  constructor(
    private readonly size: number,
    private readonly maxKeys: number,
  ) {}

  get keyCount(): number {
    return this.entries.size;
  }

  /** Adds an item; returns the key evicted to make room, if one was. */
  add(key: string, parts: readonly string[], item: T): string | undefined {
    let evicted: string | undefined;
    let entry = this.entries.get(key);
    if (entry) {
      // Re-inserting moves the key to the end (most recent); skipped for runs of one key, the common case.
      if (key !== this.lastKey) {
        this.entries.delete(key);
        this.entries.set(key, entry);
      }
    } else {
      if (this.entries.size >= this.maxKeys) evicted = this.evictOldest();
      entry = { parts, ring: new Ring<T>(this.size) };
      this.entries.set(key, entry);
    }
    this.lastKey = key;
    entry.ring.push(item);
    return evicted;
  }

  /** A key's field values, for keys that are present. */
  partsOf(key: string): readonly string[] | undefined {
    return this.entries.get(key)?.parts;
  }

  /** Every key, least recently updated first. */
  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** A key's items, oldest first; undefined for a key never seen (or evicted). */
  get(key: string): T[] | undefined {
    return this.entries.get(key)?.ring.toArray();
  }

  /** Every key whose field values pass `match`, with its items oldest first. */
  select(match: (parts: readonly string[]) => boolean): Record<string, T[]> {
    const out: [string, T[]][] = [];
    for (const [key, entry] of this.entries) if (match(entry.parts)) out.push([key, entry.ring.toArray()]);
    // fromEntries defines own properties, so a key named "__proto__" stays a key.
    return Object.fromEntries(out);
  }

  private evictOldest(): string | undefined {
    const oldest = this.entries.keys().next();
    if (oldest.done) return undefined;
    this.entries.delete(oldest.value);
    if (this.lastKey === oldest.value) this.lastKey = undefined;
    this.evicted += 1;
    return oldest.value;
  }
}
