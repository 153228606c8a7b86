import type { Tags } from "./types.js";

/** One step of the cache: the series ending at the tags read so far (-1: none), and the next tag's values. */
interface TagPath {
  id: number;
  next: Map<string, Map<string, TagPath>> | undefined;
}

/**
 * Series ids by name, then tag by tag in the order a write gives them: a write finds its series with a few map
 * lookups and builds no key string. The same tags in another order are another path to the same id. Bounded,
 * since tag orders and values come from senders: past the bound, lookups still work and new paths are not kept.
 */
export class SeriesIdCache {
  private readonly byName = new Map<string, TagPath>();
  private paths = 0;

  constructor(private readonly maxPaths = 100_000) {}

  get(name: string, tags: Tags | undefined): number | undefined {
    let path = this.byName.get(name);
    for (const k in tags) {
      if (path === undefined) return undefined;
      const v = tags[k];
      path = path.next?.get(k)?.get(typeof v === "string" ? v : String(v));
    }
    return path !== undefined && path.id >= 0 ? path.id : undefined;
  }

  set(name: string, tags: Tags | undefined, id: number): void {
    if (this.paths >= this.maxPaths) return;
    let path = this.byName.get(name);
    if (!path) {
      path = { id: -1, next: undefined };
      this.byName.set(name, path);
    }
    for (const k in tags) {
      const v = tags[k];
      const text = typeof v === "string" ? v : String(v);
      path.next ??= new Map();
      let byValue = path.next.get(k);
      if (!byValue) {
        byValue = new Map();
        path.next.set(k, byValue);
      }
      let step = byValue.get(text);
      if (!step) {
        step = { id: -1, next: undefined };
        byValue.set(text, step);
      }
      path = step;
    }
    if (path.id < 0) this.paths++;
    path.id = id;
  }

  clear(): void {
    this.byName.clear();
    this.paths = 0;
  }
}
