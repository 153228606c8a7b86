import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "./index.js";
import type { Store } from "./types.js";

let store: Store;
const dirs: string[] = [];
afterEach(async () => {
  store?.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "wattflow-store-"));
  dirs.push(d);
  return d;
};

describe("time series", () => {
  it("writes, replaces the same instant, and reads ranges by tags", async () => {
    store = openStore({ memory: true });
    await store.writePoints([
      { series: "power", time: 1000, value: 1, tags: { host: "a" } },
      { series: "power", time: 2000, value: 2, tags: { host: "a" } },
      { series: "power", time: 1500, value: 9, tags: { host: "b", rack: "r1" } },
      { series: "power", time: 2000, value: 3, tags: { host: "a" } },
    ]);
    expect((await store.range({ series: "power", from: 0, to: 3000, tags: { host: "a" } })).map((p) => [p.time, p.value])).toEqual([
      [1000, 1],
      [2000, 3],
    ]);
    expect((await store.range({ series: "power", from: 0, to: 3000 })).map((p) => p.value)).toEqual([1, 9, 3]);
    expect((await store.range({ series: "power", from: 0, to: 3000, order: "desc", limit: 1 }))[0]).toMatchObject({ time: 2000, value: 3, tags: { host: "a" } });
    expect((await store.range({ series: "power", from: 0, to: 2000 })).map((p) => p.time)).toEqual([1000, 1500]);
    expect(await store.latest("power", { rack: "r1" })).toMatchObject({ time: 1500, value: 9 });
    expect((await store.latestPerTagSet("power")).map((p) => p.value).sort()).toEqual([3, 9]);
  });

  it("tag order does not create a second series", async () => {
    store = openStore({ memory: true });
    await store.writePoints([{ series: "s", time: 1, value: 1, tags: { a: "1", b: "2" } }]);
    await store.writePoints([{ series: "s", time: 1, value: 5, tags: { b: "2", a: "1" } }]);
    expect(await store.listSeries()).toEqual([{ series: "s", tags: { a: "1", b: "2" }, points: 1, first: 1, last: 1 }]);
  });

  it("buckets with every aggregate", async () => {
    store = openStore({ memory: true });
    await store.writePoints([
      { series: "v", time: 0, value: 4 },
      { series: "v", time: 400, value: 2 },
      { series: "v", time: 900, value: 6 },
      { series: "v", time: 1000, value: 10 },
      { series: "v", time: 1999, value: 20 },
    ]);
    const buckets = await store.buckets({ series: "v", from: 0, to: 5000, every: 1000, aggregates: ["avg", "min", "max", "sum", "count", "first", "last"] });
    expect(buckets).toEqual([
      { time: 0, tags: {}, values: { avg: 4, min: 2, max: 6, sum: 12, count: 3, first: 4, last: 6 } },
      { time: 1000, tags: {}, values: { avg: 15, min: 10, max: 20, sum: 30, count: 2, first: 10, last: 20 } },
    ]);
  });

  it("deletes older points of one series or a prefix, and says how many", async () => {
    store = openStore({ memory: true });
    await store.writePoints([
      { series: "solar.pv", time: 1, value: 1 },
      { series: "solar.pv", time: 5, value: 1 },
      { series: "solar.batt", time: 1, value: 1 },
      { series: "host.cpu", time: 1, value: 1 },
    ]);
    expect(await store.deleteOlderThan("solar.pv", 5)).toBe(1);
    expect(await store.deleteOlderThan("solar.*", 10)).toBe(2);
    expect(await store.range({ series: "host.cpu", from: 0, to: 10 })).toHaveLength(1);
  });

  it("skips values that are not finite numbers rather than storing NaN", async () => {
    store = openStore({ memory: true });
    await store.writePoints([
      { series: "x", time: 1, value: Number.NaN },
      { series: "x", time: 2, value: 2 },
    ]);
    expect((await store.range({ series: "x", from: 0, to: 10 })).map((p) => p.value)).toEqual([2]);
  });
});

describe("name limits", () => {
  it("refuses a series name or tag longer than the limits, naming the series, and writes nothing of that batch", async () => {
    store = openStore({ memory: true });
    const long = `hp.${"k".repeat(5021)}`;
    await expect(store.writePoints([{ series: "ok", time: 1, value: 1 }, { series: long, time: 1, value: 1 }])).rejects.toThrow(
      /^series "hp\.k+…" \(5024 characters\): the name is longer than 200 characters$/,
    );
    await expect(store.writePoints([{ series: "ok", time: 1, value: 1, tags: { device_id: "d".repeat(257) } }])).rejects.toThrow(/^series "ok": tag device_id value "d+…" \(257 characters\) is longer than 256 characters$/);
    await expect(store.writePoints([{ series: "ok", time: 1, value: 1, tags: { ["t".repeat(65)]: "x" } }])).rejects.toThrow(/^series "ok": tag name "t{65}" is longer than 64 characters$/);
    expect(await store.seriesNames()).toEqual([]);
    await store.writePoints([{ series: "s".repeat(200), time: 1, value: 1, tags: { device_id: "d".repeat(256) } }]);
    expect(await store.seriesNames()).toHaveLength(1);
  });

  it("sums up every outbox: its size and the time of its oldest item", async () => {
    store = openStore({ memory: true });
    await store.outbox.push("influx:a/w", [1, 2, 3]);
    await store.outbox.push("influx:b/w", ["x"]);
    const [a, b] = await store.outbox.summary();
    expect(a).toMatchObject({ name: "influx:a/w", size: 3 });
    expect(b).toMatchObject({ name: "influx:b/w", size: 1 });
    expect(Math.abs(a!.oldest - Date.now())).toBeLessThan(5000);
    await store.outbox.ack("influx:b/w", (await store.outbox.peek("influx:b/w", 1))[0]!.id);
    expect((await store.outbox.summary()).map((o) => o.name)).toEqual(["influx:a/w"]);
  });
});

describe("revisions, context, outbox", () => {
  it("numbers revisions per flow", async () => {
    store = openStore({ memory: true });
    const a1 = await store.revisions.add({ flowId: "a", hash: "h1", time: 1, author: "me", message: "first", document: { id: "a" } });
    await store.revisions.add({ flowId: "b", hash: "x", time: 1, author: "me", message: "", document: {} });
    const a2 = await store.revisions.add({ flowId: "a", hash: "h2", time: 2, author: "you", message: "second", document: { id: "a", n: 2 } });
    expect([a1.revision, a2.revision]).toEqual([1, 2]);
    expect((await store.revisions.list("a")).map((r) => r.hash)).toEqual(["h1", "h2"]);
    expect((await store.revisions.get("a", 2))?.document).toEqual({ id: "a", n: 2 });
    expect((await store.revisions.latest("a"))?.revision).toBe(2);
    expect(await store.revisions.get("a", 3)).toBeUndefined();
  });

  it("keeps JSON context per scope", async () => {
    store = openStore({ memory: true });
    await store.context.set("f/n", "state", { open: [1, 2] });
    await store.context.set("f/n", "count", 3);
    await store.context.set("f/other", "count", 9);
    expect(await store.context.get("f/n", "state")).toEqual({ open: [1, 2] });
    expect(await store.context.keys("f/n")).toEqual(["count", "state"]);
    await store.context.delete("f/n", "count");
    expect(await store.context.get("f/n", "count")).toBeUndefined();
    await store.context.clear("f/n");
    expect(await store.context.keys("f/n")).toEqual([]);
    expect(await store.context.get("f/other", "count")).toBe(9);
  });

  it("outbox is FIFO per name, acked up to an id, and drops the oldest on request", async () => {
    store = openStore({ memory: true });
    await store.outbox.push("influx", ["a", "b", "c"]);
    await store.outbox.push("other", ["z"]);
    const first = await store.outbox.peek<string>("influx", 2);
    expect(first.map((i) => i.item)).toEqual(["a", "b"]);
    await store.outbox.ack("influx", first[1]!.id);
    expect(await store.outbox.size("influx")).toBe(1);
    await store.outbox.push("influx", ["d", "e"]);
    expect(await store.outbox.dropOldest("influx", 2)).toBe(2);
    expect((await store.outbox.peek<string>("influx", 10)).map((i) => i.item)).toEqual(["e"]);
    expect(await store.outbox.size("other")).toBe(1);
  });
});

describe("on disk", () => {
  it("persists across reopen, in WAL mode", async () => {
    const dir = tempDir();
    store = openStore({ dataDir: dir });
    await store.writePoints([{ series: "s", time: 1, value: 42 }]);
    await store.context.set("g", "k", "v");
    await store.close();
    store = openStore({ dataDir: dir });
    expect((await store.latest("s"))?.value).toBe(42);
    expect(await store.context.get("g", "k")).toBe("v");
    expect(existsSync(join(dir, "wattflow.db-wal"))).toBe(true);
  });

  it("a series created by a batch that rolled back is created again by the next write, and survives a reopen", async () => {
    const dir = tempDir();
    store = openStore({ dataDir: dir });
    // The second point breaks a limit: the whole batch, with the series its first point created, is undone.
    await expect(
      store.writePoints([
        { series: "s", time: 1, value: 1, tags: { site: "a" } },
        { series: "x".repeat(500), time: 1, value: 1 },
      ]),
    ).rejects.toThrow(/longer than/);
    expect(await store.latest("s")).toBeUndefined();
    await store.writePoints([{ series: "s", time: 2, value: 2, tags: { site: "a" } }]);
    await store.close();
    store = openStore({ dataDir: dir });
    expect((await store.latest("s", { site: "a" }))?.value).toBe(2);
    expect(await store.listSeries("s")).toEqual([expect.objectContaining({ series: "s", tags: { site: "a" }, points: 1 })]);
  });

  it("keys a series by its tags whatever their order", async () => {
    store = openStore({ memory: true });
    await store.writePoints([{ series: "s", time: 1, value: 1, tags: { b: "2", a: "1" } }]);
    await store.writePoints([{ series: "s", time: 2, value: 2, tags: { a: "1", b: "2" } }]);
    await store.writePoints([{ series: "s", time: 3, value: 3, tags: { "10": "x", "9": "y" } }]);
    // Values that look like the separators of other tags stay their own series.
    await store.writePoints([{ series: "t", time: 1, value: 1, tags: { a: "1:b1:2" } }]);
    await store.writePoints([{ series: "t", time: 1, value: 2, tags: { a: "1", b: "2" } }]);
    expect(await store.listSeries("t")).toHaveLength(2);
    const counts = (await store.listSeries("s")).map((x) => [JSON.stringify(x.tags), x.points]);
    expect(counts.sort()).toEqual([
      ['{"9":"y","10":"x"}', 1],
      ['{"a":"1","b":"2"}', 2],
    ]);
  });
});

describe("extremes", () => {
  it("finds the highest and lowest point with its time", async () => {
    store = openStore({ memory: true });
    await store.writePoints([
      { series: "p", time: 1, value: 5, tags: { a: "1" } },
      { series: "p", time: 2, value: 9, tags: { a: "2" } },
      { series: "p", time: 3, value: -1, tags: { a: "1" } },
    ]);
    expect(await store.extreme({ series: "p", from: 0, to: 10 }, "max")).toEqual({ series: "p", time: 2, value: 9, tags: { a: "2" } });
    expect(await store.extreme({ series: "p", from: 0, to: 10, tags: { a: "1" } }, "min")).toMatchObject({ time: 3, value: -1 });
    expect(await store.extreme({ series: "p", from: 5, to: 10 }, "max")).toBeUndefined();
  });
});
