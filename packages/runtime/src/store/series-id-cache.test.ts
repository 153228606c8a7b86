import { describe, expect, it } from "vitest";
import { SeriesIdCache } from "./series-id-cache.js";

describe("SeriesIdCache", () => {
  it("finds a series by name and tags as written, tells apart tag sets that only share a prefix, and stays within its bound", () => {
    const cache = new SeriesIdCache(3);
    cache.set("power", { site: "a", meter: "1" }, 7);
    cache.set("power", undefined, 8);
    expect(cache.get("power", { site: "a", meter: "1" })).toBe(7);
    expect(cache.get("power", {})).toBe(8);
    expect(cache.get("power", { site: "a" })).toBeUndefined();
    expect(cache.get("power", { site: "a", meter: "1", phase: "L1" })).toBeUndefined();
    expect(cache.get("energy", { site: "a", meter: "1" })).toBeUndefined();
    // Another key order is another path, learnt when the caller resolves it.
    expect(cache.get("power", { meter: "1", site: "a" })).toBeUndefined();
    cache.set("power", { meter: "1", site: "a" }, 7);
    expect(cache.get("power", { meter: "1", site: "a" })).toBe(7);
    // Full: what it knows is still found, nothing new is kept.
    cache.set("power", { site: "b" }, 9);
    expect(cache.get("power", { site: "b" })).toBeUndefined();
    expect(cache.get("power", { site: "a", meter: "1" })).toBe(7);
    cache.clear();
    expect(cache.get("power", { site: "a", meter: "1" })).toBeUndefined();
  });
});
