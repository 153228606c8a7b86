import type { Tags } from "@wattflow/runtime";

const MINUTE = 60_000;

/** A tag set as one string, independent of key order (the store's own notion of "the same tags"). */
export function tagSetKey(tags: Tags): string {
  const keys = Object.keys(tags);
  if (keys.length === 0) return "{}";
  keys.sort();
  return JSON.stringify(keys.map((k) => [k, tags[k]]));
}

/**
 * Which series a writer already has, and how many new ones each tag set
 * (each device, usually) may still add this minute. Every key of a device's
 * JSON would otherwise become a series: the bound keeps a misbehaving or
 * hostile sender from filling the store with names.
 */
export class SeriesBudget {
  private readonly known = new Set<string>();
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly perMinute: number,
    existing: Iterable<{ field: string; tags: Tags }>,
  ) {
    for (const s of existing) this.known.add(`${tagSetKey(s.tags)}\u0000${s.field}`);
  }

  /**
   * True when `field` under `tagKey` may be written: it is known, or a new
   * series fits in the tag set's allowance for the current minute (and is then counted).
   */
  admit(tagKey: string, field: string, now: number): boolean {
    const key = `${tagKey}\u0000${field}`;
    if (this.known.has(key)) return true;
    let window = this.windows.get(tagKey);
    if (!window || now - window.start >= MINUTE) {
      if (this.windows.size >= 10_000) this.forgetOldWindows(now);
      window = { start: now, used: 0 };
      this.windows.set(tagKey, window);
    }
    if (window.used >= this.perMinute) return false;
    window.used += 1;
    this.known.add(key);
    return true;
  }

  private forgetOldWindows(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= MINUTE) this.windows.delete(k);
  }
}
