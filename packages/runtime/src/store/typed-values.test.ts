import { afterEach, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "./index.js";
import { DEAD_LETTERS_MIGRATION } from "./dead-letters.js";
import type { Store } from "./types.js";

let store: Store | undefined;
const dirs: string[] = [];
afterEach(async () => {
  store?.close();
  store = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("typed point values", () => {
  it("keeps booleans, strings and JSON values with their type; aggregations read the numbers only", async () => {
    store = openStore({ memory: true });
    const tags = { device_id: "hp1" };
    await store.writePoints([
      { series: "hp.mode", time: 1000, value: "heating", tags },
      { series: "hp.mode", time: 2000, value: "defrost", tags },
      { series: "hp.pump", time: 1000, value: true, tags },
      { series: "hp.pump", time: 2000, value: false, tags },
      { series: "hp.extra", time: 1000, value: { firmware: "1.2", zones: [1, 2] }, tags },
      { series: "pir.value", time: 1000, value: true, tags: { sensor: "pir1" } },
      { series: "pir.value", time: 2000, value: 3, tags: { sensor: "pir1" } },
      { series: "pir.value", time: 3000, value: false, tags: { sensor: "pir1" } },
    ]);
    expect((await store.rangeValues({ series: "hp.mode", from: 0, to: 5000 })).map((p) => [p.time, p.value])).toEqual([
      [1000, "heating"],
      [2000, "defrost"],
    ]);
    expect(await store.rangeValues({ series: "hp.pump", from: 0, to: 5000, order: "desc", limit: 1 })).toEqual([{ series: "hp.pump", time: 2000, value: false, tags }]);
    expect((await store.latestValue("hp.extra", tags))?.value).toEqual({ firmware: "1.2", zones: [1, 2] });
    expect((await store.latestValue("hp.mode"))?.value).toBe("defrost");
    // Mixed series: the typed view has everything in time order, the numeric view the numbers.
    expect((await store.rangeValues({ series: "pir.value", from: 0, to: 5000 })).map((p) => p.value)).toEqual([true, 3, false]);
    expect((await store.range({ series: "pir.value", from: 0, to: 5000 })).map((p) => p.value)).toEqual([3]);
    expect((await store.latest("pir.value"))?.value).toBe(3);
    expect((await store.latestValue("pir.value"))?.value).toBe(false);
    expect((await store.buckets({ series: "pir.value", from: 0, to: 5000, every: 10_000, aggregates: ["count", "max"] }))[0]!.values).toEqual({ count: 1, max: 3 });
    expect(await store.extreme({ series: "hp.mode", from: 0, to: 5000 }, "max")).toBeUndefined();
    expect((await store.listSeries("pir")).map((s) => s.points)).toEqual([3]);
  });

  it("a value at the same series, tags and time replaces the old one whatever the types", async () => {
    store = openStore({ memory: true });
    await store.writePoints([{ series: "s", time: 1000, value: 5 }]);
    await store.writePoints([{ series: "s", time: 1000, value: "on" }]);
    expect((await store.rangeValues({ series: "s", from: 0, to: 2000 })).map((p) => p.value)).toEqual(["on"]);
    expect(await store.range({ series: "s", from: 0, to: 2000 })).toEqual([]);
    await store.writePoints([{ series: "s", time: 1000, value: 7 }]);
    expect((await store.rangeValues({ series: "s", from: 0, to: 2000 })).map((p) => p.value)).toEqual([7]);
  });

  it("retention deletes typed values too; an oversized JSON value fails naming the series", async () => {
    store = openStore({ memory: true });
    await store.writePoints([
      { series: "hp.mode", time: 1000, value: "heating" },
      { series: "hp.mode", time: 3000, value: "off" },
      { series: "hp.power", time: 1000, value: 1 },
    ]);
    expect(await store.deleteOlderThan("hp.*", 2000)).toBe(2);
    expect((await store.rangeValues({ series: "hp.mode", from: 0, to: 5000 })).map((p) => p.value)).toEqual(["off"]);
    await expect(store!.writePoints([{ series: "hp.blob", time: 1, value: "x".repeat(5000) }])).rejects.toThrow(/series "hp.blob": the value is 5002 characters/);
  });

  it("opens a database written before typed values existed and keeps its points", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wattflow-typed-"));
    dirs.push(dir);
    const file = join(dir, "wattflow.db");
    // The schema as the first two migrations left it (user_version 2).
    const old = new Database(file);
    old.exec(`CREATE TABLE series (id INTEGER PRIMARY KEY, name TEXT NOT NULL, tags TEXT NOT NULL, UNIQUE(name, tags));
      CREATE TABLE points (series_id INTEGER NOT NULL, time INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY(series_id, time)) WITHOUT ROWID;
      CREATE TABLE revisions (flow_id TEXT NOT NULL, revision INTEGER NOT NULL, hash TEXT NOT NULL, time INTEGER NOT NULL,
        author TEXT NOT NULL, message TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY(flow_id, revision));
      CREATE TABLE context (scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(scope, key)) WITHOUT ROWID;
      CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, time INTEGER NOT NULL, item TEXT NOT NULL);
      CREATE INDEX outbox_name ON outbox(name, id);
      ${DEAD_LETTERS_MIGRATION}
      INSERT INTO series(id, name, tags) VALUES (1, 'solar.pv', '{"site":"a"}');
      INSERT INTO points(series_id, time, value) VALUES (1, 1000, 42.5);
      PRAGMA user_version = 2;`);
    old.close();
    store = openStore({ file });
    expect((await store.latest("solar.pv", { site: "a" }))?.value).toBe(42.5);
    await store.writePoints([{ series: "solar.mode", time: 2000, value: "float", tags: { site: "a" } }]);
    await store.records.add([{ collection: "events", time: 2000, body: { kind: "migrated" } }]);
    await store.close();
    store = openStore({ file });
    expect((await store.latestValue("solar.mode"))?.value).toBe("float");
    expect((await store.records.query({ collection: "events" })).count).toBe(1);
  });
});
