import { afterEach, describe, expect, it } from "vitest";
import { openStore, RecordQueryError } from "./index.js";
import type { Store } from "./types.js";

let store: Store | undefined;
afterEach(async () => {
  store?.close();
  store = undefined;
});

function seed(s: Store): void {
  s.records.add(
    Array.from({ length: 25 }, (_, i) => ({
      collection: "events",
      time: 1000 * (i + 1),
      tags: { device_id: i % 2 === 0 ? "gp1" : "gp2" },
      body: { n: i, level: i % 5 === 0 ? "alarm" : "info", ok: i % 3 === 0, detail: { code: i % 4 } },
    })),
  );
}

describe("records", () => {
  it("keep their body, tags and time, and query newest first by time range, tags and body fields", async () => {
    store = openStore({ memory: true });
    seed(store);
    await store.records.add([{ collection: "other", time: 5000, tags: { device_id: "gp1" }, body: { n: -1 } }]);
    const all = await store.records.query({ collection: "events" });
    expect(all.count).toBe(25);
    expect(all.records[0]).toMatchObject({ time: 25_000, tags: { device_id: "gp1" }, body: { n: 24, level: "info", ok: true, detail: { code: 0 } } });
    const gp1 = await store.records.query({ collection: "events", tags: { device_id: "gp1" }, from: 5000, to: 15_000 });
    expect(gp1.records.map((r) => (r.body as { n: number }).n)).toEqual([12, 10, 8, 6, 4]);
    expect((await store.records.query({ collection: "events", fields: { level: "alarm" } })).records.map((r) => (r.body as { n: number }).n)).toEqual([20, 15, 10, 5, 0]);
    // Query strings are text: "2" matches the number 2; true matches booleans only.
    expect((await store.records.query({ collection: "events", fields: { "detail.code": "2" } })).count).toBe(6);
    expect((await store.records.query({ collection: "events", fields: { "detail.code": 2, ok: true } })).records.map((r) => (r.body as { n: number }).n)).toEqual([18, 6]);
    expect((await store.records.query({ collection: "events", order: "asc", pageSize: 2 })).records.map((r) => r.time)).toEqual([1000, 2000]);
    await expect(store!.records.query({ collection: "events", fields: { "bad'path": "x" } })).rejects.toThrow(RecordQueryError);
  });

  it("paginate by page and by cursor, with the same records in the same order", async () => {
    store = openStore({ memory: true });
    seed(store);
    // Two records at the same time: the cursor must not skip or repeat one.
    await store.records.add([{ collection: "events", time: 13_000, body: { n: 100 } }]);
    const byPage: number[] = [];
    for (let page = 1; page <= 3; page++) {
      const p = await store.records.query({ collection: "events", page, pageSize: 10 });
      expect(p.count).toBe(26);
      byPage.push(...p.records.map((r) => r.id));
    }
    const byCursor: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await store.records.query({ collection: "events", pageSize: 10, ...(cursor ? { cursor } : {}) });
      byCursor.push(...p.records.map((r) => r.id));
      cursor = p.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(byCursor).toEqual(byPage);
    expect(new Set(byCursor).size).toBe(26);
    await expect(store!.records.query({ collection: "events", cursor: "nonsense" })).rejects.toThrow(/cursor/);
  });

  it("a key replaces the record that had it; get and remove by key", async () => {
    store = openStore({ memory: true });
    await store.records.add([{ collection: "preferences", time: 1, key: "comfort", tags: { user: "a" }, body: { value: 20 } }]);
    await store.records.add([{ collection: "preferences", time: 2, key: "comfort", tags: { user: "b" }, body: { value: 21 } }]);
    expect(await store.records.get("preferences", "comfort")).toMatchObject({ time: 2, key: "comfort", body: { value: 21 } });
    expect((await store.records.query({ collection: "preferences" })).count).toBe(1);
    expect((await store.records.query({ collection: "preferences", tags: { user: "a" } })).count).toBe(0);
    expect(await store.records.remove("preferences", "comfort")).toBe(true);
    expect(await store.records.remove("preferences", "comfort")).toBe(false);
    expect(await store.records.get("preferences", "comfort")).toBeUndefined();
  });

  it("expire: deleteOlderThan removes old records of a collection or prefix, with their tags", async () => {
    store = openStore({ memory: true });
    seed(store);
    await store.records.add([{ collection: "events.archive", time: 500, body: null }]);
    expect(await store.records.deleteOlderThan("events", 10_500)).toBe(10);
    expect((await store.records.query({ collection: "events" })).count).toBe(15);
    expect((await store.records.query({ collection: "events", tags: { device_id: "gp1" } })).count).toBe(8);
    expect(await store.records.deleteOlderThan("events*", 12_000)).toBe(2);
    expect((await store.records.query({ collection: "events.archive" })).count).toBe(0);
  });

  it("refuse bad input naming the collection", async () => {
    store = openStore({ memory: true });
    await expect(store!.records.add([{ collection: "", time: 1, body: {} }])).rejects.toThrow(/collection/);
    await expect(store!.records.add([{ collection: "c", time: Number.NaN, body: {} }])).rejects.toThrow(/collection "c": a record needs a time/);
  });
});
