/**
 * One test suite for every store backend: what a flow can rely on whichever
 * store it runs on. `describeBackend` is called by one test file per backend
 * (SQLite always; PostgreSQL on a throwaway cluster).
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RecordQueryError, RevisionConflictError, type Store } from "../packages/runtime/src/store/index.js";

export interface BackendUnderTest {
  name: string;
  /** A new, empty store location; `open` may be called again to reopen it. */
  fresh(): Promise<{ open(): Promise<Store> }>;
  /** How many time partitions hold points (backends that partition), to see retention drop them. */
  partitions?(store: Store): Promise<number>;
  /** Stops what the backend needed (a server). */
  cleanup?(): Promise<void>;
}

const DAY = 86_400_000;
/** A Monday, midnight UTC. */
const T0 = Date.parse("2025-06-02T00:00:00Z");

export function describeBackend(backend: BackendUnderTest): void {
  describe(`store backend: ${backend.name}`, () => {
    const open: Store[] = [];
    const store = async (): Promise<Store> => {
      const s = await (await backend.fresh()).open();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });
    afterAll(async () => {
      await backend.cleanup?.();
    });

    it("keeps numbers, booleans, strings and JSON with their types; numbers alone are aggregated", async () => {
      const s = await store();
      expect(s.backend).toMatch(/^(sqlite|postgres)$/);
      await s.writePoints([
        { series: "hp.outlet", time: T0, value: 41.5, tags: { device: "hp1" } },
        { series: "hp.outlet", time: T0 + 1000, value: 43, tags: { device: "hp1" } },
        { series: "hp.outlet", time: T0 + 1000, value: 7, tags: { device: "hp2", zone: "b" } },
        { series: "hp.mode", time: T0, value: "heating", tags: { device: "hp1" } },
        { series: "hp.mode", time: T0 + 2000, value: "defrost", tags: { device: "hp1" } },
        { series: "hp.running", time: T0, value: true, tags: { device: "hp1" } },
        { series: "hp.fw", time: T0, value: { version: "1.2", flags: [1, 2] }, tags: { device: "hp1" } },
      ]);
      expect(await s.latest("hp.outlet", { device: "hp1" })).toEqual({ series: "hp.outlet", time: T0 + 1000, value: 43, tags: { device: "hp1" } });
      expect((await s.latestPerTagSet("hp.outlet")).map((p) => p.value).sort()).toEqual([43, 7]);
      expect((await s.latestValue("hp.mode"))?.value).toBe("defrost");
      expect((await s.latestValue("hp.running"))?.value).toBe(true);
      expect((await s.latestValue("hp.fw"))?.value).toEqual({ version: "1.2", flags: [1, 2] });
      expect(await s.latest("hp.mode")).toBeUndefined();
      expect((await s.rangeValues({ series: "hp.mode", from: T0, to: T0 + 3000 })).map((p) => p.value)).toEqual(["heating", "defrost"]);
      expect((await s.range({ series: "hp.outlet", from: T0, to: T0 + 3000, tags: { zone: "b" } })).map((p) => p.value)).toEqual([7]);
      expect((await s.range({ series: "hp.outlet", from: 0, to: T0 + 3000, order: "desc", limit: 1 }))[0]?.time).toBe(T0 + 1000);
      // A value of another type at the same instant replaces it.
      await s.writePoints([{ series: "hp.outlet", time: T0, value: "sensor fault", tags: { device: "hp1" } }]);
      expect((await s.rangeValues({ series: "hp.outlet", from: T0, to: T0 + 1, tags: { device: "hp1" } })).map((p) => p.value)).toEqual(["sensor fault"]);
      expect((await s.range({ series: "hp.outlet", from: T0, to: T0 + 1, tags: { device: "hp1" } })).length).toBe(0);
      // Tag order names the same series.
      await s.writePoints([{ series: "hp.outlet", time: T0 + 5000, value: 1, tags: { zone: "b", device: "hp2" } }]);
      const listed = await s.listSeries("hp.");
      expect(listed.map((x) => [x.series, x.tags, x.points])).toEqual([
        ["hp.fw", { device: "hp1" }, 1],
        ["hp.mode", { device: "hp1" }, 2],
        ["hp.outlet", { device: "hp1" }, 2],
        ["hp.outlet", { device: "hp2", zone: "b" }, 2],
        ["hp.running", { device: "hp1" }, 1],
      ]);
      expect((await s.seriesNames("hp.o")).length).toBe(2);
      // The same instant twice in one batch: the later point wins.
      await s.writePoints([
        { series: "dup", time: T0, value: 1 },
        { series: "dup", time: T0, value: "two" },
        { series: "dup", time: T0, value: 3 },
      ]);
      expect((await s.rangeValues({ series: "dup", from: T0, to: T0 + 1 })).map((p) => p.value)).toEqual([3]);
      await expect(s.writePoints([{ series: "x".repeat(300), time: T0, value: 1 }])).rejects.toThrow(/longer than 200/);
      await expect(s.writePoints([{ series: "big", time: T0, value: "x".repeat(5000) }])).rejects.toThrow(/at most 4096/);
    });

    it("aggregates buckets, finds extremes and rolls whole buckets up into a tier", async () => {
      const s = await store();
      const points = [];
      for (let i = 0; i < 12; i++) points.push({ series: "pv.power", time: T0 + i * 600_000, value: i * 10, tags: { site: "a" } });
      points.push({ series: "pv.power", time: T0 + 60_000, value: 1000, tags: { site: "b" } });
      await s.writePoints(points);
      const hourly = await s.buckets({ series: "pv.power", from: T0, to: T0 + 2 * 3_600_000, every: 3_600_000, tags: { site: "a" }, aggregates: ["avg", "min", "max", "sum", "count", "first", "last"] });
      expect(hourly.map((b) => [b.time, b.values])).toEqual([
        [T0, { avg: 25, min: 0, max: 50, sum: 150, count: 6, first: 0, last: 50 }],
        [T0 + 3_600_000, { avg: 85, min: 60, max: 110, sum: 510, count: 6, first: 60, last: 110 }],
      ]);
      expect((await s.buckets({ series: "pv.power", from: T0, to: T0 + 3_600_000, every: 3_600_000, aggregates: ["max"] })).map((b) => [b.tags, b.values.max])).toEqual([
        [{ site: "a" }, 50],
        [{ site: "b" }, 1000],
      ]);
      expect(await s.extreme({ series: "pv.power", from: T0, to: T0 + DAY }, "max")).toEqual({ series: "pv.power", time: T0 + 60_000, value: 1000, tags: { site: "b" } });
      expect(await s.extreme({ series: "pv.power", from: T0, to: T0 + DAY, tags: { site: "a" } }, "min")).toMatchObject({ time: T0, value: 0 });
      const written = await s.rollup({ series: ["pv.power"], every: 3_600_000, to: T0 + 3_600_000, aggregate: "avg", prefix: "hourly" });
      expect(written).toBe(2);
      expect((await s.range({ series: "hourly.pv.power", from: 0, to: T0 + DAY })).map((p) => [p.tags, p.value])).toEqual([
        [{ site: "a" }, 25],
        [{ site: "b" }, 1000],
      ]);
      // Rolled up again (a later run): the tier's points are replaced, not doubled.
      await s.rollup({ series: ["pv.power"], every: 3_600_000, to: T0 + 3_600_000, aggregate: "avg", prefix: "hourly" });
      expect((await s.listSeries("hourly.")).map((x) => x.points)).toEqual([1, 1]);
    });

    it("pages records by time, tags and body fields, with counts, pages and cursors; keys replace; old records expire", async () => {
      const s = await store();
      const added = await s.records.add(
        Array.from({ length: 25 }, (_, i) => ({
          collection: "gp.events",
          time: T0 + i * 1000,
          tags: { device_id: i % 2 === 0 ? "gp-1" : "gp-2" },
          body: { kind: i % 5 === 0 ? "alarm" : "info", level: i, ok: i % 3 === 0, device: { id: `d${i % 4}` } },
        })),
      );
      expect(added.map((r) => r.id)).toEqual([...added.map((r) => r.id)].sort((a, b) => a - b));
      const first = await s.records.query({ collection: "gp.events", pageSize: 10 });
      expect(first.count).toBe(25);
      expect(first.records.map((r) => r.body)).toHaveLength(10);
      expect(first.records[0]!.time).toBe(T0 + 24_000);
      const second = await s.records.query({ collection: "gp.events", pageSize: 10, cursor: first.next! });
      const third = await s.records.query({ collection: "gp.events", pageSize: 10, cursor: second.next! });
      expect(third.next).toBeUndefined();
      expect([...first.records, ...second.records, ...third.records].map((r) => r.time)).toEqual(Array.from({ length: 25 }, (_, i) => T0 + (24 - i) * 1000));
      expect((await s.records.query({ collection: "gp.events", pageSize: 10, page: 3 })).records).toHaveLength(5);
      expect((await s.records.query({ collection: "gp.events", tags: { device_id: "gp-2" } })).count).toBe(12);
      expect((await s.records.query({ collection: "gp.events", fields: { kind: "alarm" } })).count).toBe(5);
      expect((await s.records.query({ collection: "gp.events", fields: { ok: true, "device.id": "d0" } })).records.map((r) => (r.body as { level: number }).level).sort((a, b) => a - b)).toEqual([0, 12, 24]);
      expect((await s.records.query({ collection: "gp.events", fields: { level: 7 } })).count).toBe(1);
      expect((await s.records.query({ collection: "gp.events", fields: { level: "7" } })).count).toBe(1);
      expect((await s.records.query({ collection: "gp.events", from: T0 + 20_000, to: T0 + 22_000, order: "asc" })).records.map((r) => r.time)).toEqual([T0 + 20_000, T0 + 21_000]);
      await expect(s.records.query({ collection: "gp.events", cursor: "nonsense" })).rejects.toThrow(RecordQueryError);
      await expect(s.records.query({ collection: "gp.events", fields: { "bad'path": 1 } })).rejects.toThrow(RecordQueryError);

      await s.records.add([{ collection: "prefs", time: T0, key: "tariff", body: { rate: 0.3 } }]);
      await s.records.add([{ collection: "prefs", time: T0 + 1, key: "tariff", body: { rate: 0.25 } }]);
      expect((await s.records.get("prefs", "tariff"))?.body).toEqual({ rate: 0.25 });
      expect((await s.records.query({ collection: "prefs" })).count).toBe(1);
      expect(await s.records.remove("prefs", "tariff")).toBe(true);
      expect(await s.records.remove("prefs", "tariff")).toBe(false);

      expect(await s.records.deleteOlderThan("gp.*", T0 + 10_000)).toBe(10);
      expect((await s.records.query({ collection: "gp.events" })).count).toBe(15);
      expect(await s.records.deleteOlderThan("gp.events", T0 + 100_000)).toBe(15);
    });

    it("keeps context per scope; views answer synchronously and their writes reach the store in order", async () => {
      const location = await backend.fresh();
      let s = await location.open();
      await s.context.set("global", "unit", "kW");
      await s.context.set("flow:a", "limit", { max: 5 });
      expect(await s.context.get("flow:a", "limit")).toEqual({ max: 5 });
      expect(await s.context.keys("flow:a")).toEqual(["limit"]);
      const view = await s.openContext("flow:a");
      expect(view.get("limit")).toEqual({ max: 5 });
      for (let i = 0; i < 50; i++) view.set("counter", i);
      view.set("gone", 1);
      view.delete("gone");
      // A key the database cannot hold is refused when set, not kept to fail every later write.
      expect(() => view.set("bad\u0000", 1)).toThrow(/^context "flow:a" key "bad\\0": holds a NUL character/);
      await expect(s.context.set("global", "\u0000", 1)).rejects.toThrow(/NUL character/);
      const read = view.get<{ max: number }>("limit")!;
      read.max = 99; // a copy: the stored value does not change behind the store's back
      expect(view.get("limit")).toEqual({ max: 5 });
      // The store's own API sees the view at once (the scope is open), and writes to it reach the view.
      expect(await s.context.get("flow:a", "counter")).toBe(49);
      await s.context.set("flow:a", "from-api", true);
      expect(view.get("from-api")).toBe(true);
      await s.context.clear("global");
      expect(await s.context.keys("global")).toEqual([]);
      await s.close();
      s = await location.open();
      open.push(s);
      expect(await s.context.get("flow:a", "counter")).toBe(49);
      expect(await s.context.keys("flow:a")).toEqual(["counter", "from-api", "limit"]);
      expect((await s.openContext("flow:a")).get("gone")).toBeUndefined();
    });

    it("numbers revisions per flow; when two deploys race for the same number, exactly one wins", async () => {
      const s = await store();
      const base = { hash: "h", time: T0, author: "a", message: "m" };
      const r1 = await s.revisions.add({ ...base, flowId: "solar", document: { id: "solar", n: 1 } });
      const r2 = await s.revisions.add({ ...base, flowId: "solar", revision: 2, document: { id: "solar", n: 2 } });
      await s.revisions.add({ ...base, flowId: "other", document: {} });
      expect([r1.revision, r2.revision]).toEqual([1, 2]);
      expect((await s.revisions.list("solar")).map((r) => r.revision)).toEqual([1, 2]);
      expect((await s.revisions.get("solar", 1))?.document).toEqual({ id: "solar", n: 1 });
      expect((await s.revisions.latest("solar"))?.revision).toBe(2);
      await expect(s.revisions.add({ ...base, flowId: "solar", revision: 2, document: {} })).rejects.toThrow(RevisionConflictError);
      const race = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => s.revisions.add({ ...base, flowId: "solar", revision: 3, author: `runtime${i}`, document: { i } })));
      expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(race.filter((r) => r.status === "rejected" && r.reason instanceof RevisionConflictError)).toHaveLength(4);
      expect((await s.revisions.list("solar")).map((r) => r.revision)).toEqual([1, 2, 3]);
    });

    it("gives documents back as written, keys in their order (a flow file written from a revision stays as it was)", async () => {
      const s = await store();
      const document = { nodes: [{ wires: [], id: "b", type: "inject", config: { zeta: 1, alpha: 2 } }], id: "f", description: "d" };
      await s.revisions.add({ hash: "h", time: T0, author: "a", message: "m", flowId: "f", document });
      expect(JSON.stringify((await s.revisions.latest("f"))?.document)).toBe(JSON.stringify(document));
      const body = { zeta: 1, mac_address: "x", id: 3, is_up: true };
      await s.records.add([{ collection: "hosts", time: T0, tags: {}, body }]);
      expect(JSON.stringify((await s.records.query({ collection: "hosts" })).records[0]!.body)).toBe(JSON.stringify(body));
      await s.writePoints([{ series: "doc", time: T0, value: { zeta: 1, alpha: [2, { b: 1, a: 0 }] } }]);
      expect(JSON.stringify((await s.latestValue("doc"))?.value)).toBe(JSON.stringify({ zeta: 1, alpha: [2, { b: 1, a: 0 }] }));
    });

    it("keeps outboxes in order, acks, drops the oldest and summarises them", async () => {
      const s = await store();
      await s.outbox.push("influx:hp/w", ["a", "b", "c"]);
      await s.outbox.push("influx:hp/w", [{ line: "d" }]);
      await s.outbox.push("other", ["z"]);
      const head = await s.outbox.peek<string>("influx:hp/w", 2);
      expect(head.map((i) => i.item)).toEqual(["a", "b"]);
      await s.outbox.ack("influx:hp/w", head[1]!.id);
      expect(await s.outbox.size("influx:hp/w")).toBe(2);
      expect(await s.outbox.dropOldest("influx:hp/w", 1)).toBe(1);
      expect((await s.outbox.peek("influx:hp/w", 10)).map((i) => i.item)).toEqual([{ line: "d" }]);
      expect((await s.outbox.summary()).map((o) => [o.name, o.size])).toEqual([
        ["influx:hp/w", 1],
        ["other", 1],
      ]);
    });

    it("parks dead letters, newest first, within its capacity", async () => {
      const s = await store();
      const letter = { time: T0, nodeId: "in", source: "t", reason: "bad", size: 3, preview: "abc", previewEncoding: "text" as const };
      for (let i = 0; i < 3; i++) await s.deadLetters.add({ ...letter, flowId: i === 2 ? "b" : "a", reason: `bad ${i}` });
      expect((await s.deadLetters.list()).map((l) => l.reason)).toEqual(["bad 2", "bad 1", "bad 0"]);
      expect(await s.deadLetters.count("a")).toBe(2);
      expect(await s.deadLetters.clear("a")).toBe(2);
      expect(await s.deadLetters.count()).toBe(1);
    });

    it("refuses, naming the series, a batch with a time outside the Date range or over a week ahead, or a NUL; keeps what it refused nothing of", async () => {
      const s = await store();
      const good = { series: "ok", time: T0, value: 1 };
      const refused = async (point: { series: string; time: number; value: number | string | object; tags?: Record<string, string> }, why: RegExp) => {
        await expect(s.writePoints([good, point])).rejects.toThrow(why);
      };
      await refused({ series: "clock", time: 1e19, value: 1 }, /^series "clock": time 10000000000000000000 is not a time/);
      await refused({ series: "clock", time: -8.7e15, value: "x" }, /^series "clock": time -8700000000000000 is not a time/);
      await refused({ series: "clock", time: Number.NaN, value: 1 }, /^series "clock": time NaN is not a time/);
      await refused({ series: "clock", time: Date.now() + 8 * DAY, value: 1 }, /^series "clock": time \S+ is more than 7 days ahead of the clock/);
      await refused({ series: "nul\u0000name", time: T0, value: 1 }, /^series "nul\\0name": the name holds a NUL character/);
      await refused({ series: "tagged", time: T0, value: 1, tags: { device: "a\u0000b" } }, /^series "tagged": tag "device" value "a\\0b" holds a NUL character/);
      await refused({ series: "text", time: T0, value: "a\u0000b" }, /^series "text": the value holds a NUL character/);
      await refused({ series: "json", time: T0, value: { ["k\u0000"]: 1 } }, /^series "json": the value holds a NUL character/);
      expect(await s.seriesNames()).toEqual([]);
      // Within the bounds all goes in: a week ahead less a minute, the Date range's ends, text that spells \u0000.
      const soon = Date.now() + 7 * DAY - 60_000;
      await s.writePoints([good, { series: "clock", time: soon, value: 2 }, { series: "text", time: T0, value: "\\u0000" }, { series: "clock", time: -8.64e15, value: 3 }]);
      expect((await s.latestValue("clock"))?.time).toBe(soon);
      expect((await s.latestValue("text"))?.value).toBe("\\u0000");
      expect((await s.range({ series: "clock", from: -8.64e15, to: 0 })).map((p) => p.value)).toEqual([3]);

      await expect(s.records.add([{ collection: "c", time: T0, key: "k\u0000", body: {} }])).rejects.toThrow(/^collection "c": record key "k\\0" holds a NUL character/);
      await expect(s.records.add([{ collection: "c", time: T0, body: { note: "\u0000" } }])).rejects.toThrow(/^collection "c": the body holds a NUL character/);
      await expect(s.records.add([{ collection: "c", time: T0, tags: { t: "\u0000" }, body: {} }])).rejects.toThrow(/NUL character/);
      await expect(s.records.add([{ collection: "c", time: 1e19, body: {} }])).rejects.toThrow(/needs a time/);
      // A dead letter is kept whatever it holds: NUL becomes U+FFFD.
      await s.deadLetters.add({ time: T0, flowId: "f", nodeId: "in", source: "t", reason: "bad\u0000", size: 3, preview: "a\u0000b", previewEncoding: "text" });
      expect((await s.deadLetters.list()).map((l) => [l.reason, l.preview])).toEqual([["bad\uFFFD", "a\uFFFDb"]]);
    });

    it("a batch reads back as if written point by point: the last write at a (series, tags, time) wins, whatever the tag order", async () => {
      const s = await store();
      type Written = { series: string; time: number; value: number | string; tags: Record<string, string> };
      const batch: Written[] = [];
      const fields = ["temperature", "humidity", "battery"];
      for (let m = 0; m < 300; m++) {
        // A new tags object per message, keys in either order; the clock of each tag set steps back now and then.
        const site = `s${m % 2}`;
        const tags: Record<string, string> = m % 3 === 0 ? { type: "dht22", site } : { site, type: "dht22" };
        const time = T0 + (m % 47) * 1000;
        for (const f of fields) batch.push({ series: `sensors.reading.${f}`, time, value: m * 10 + fields.indexOf(f), tags });
        // A typed value between numbers at the same instant: the later write of the two wins.
        if (m === 150) batch.push({ series: "sensors.reading.battery", time, value: "low", tags });
        if (m === 200) batch.push({ series: "sensors.reading.battery", time: T0 + (150 % 47) * 1000, value: "replaced", tags: { site: "s0", type: "dht22" } });
      }
      await s.writePoints(batch);
      const expected = new Map<string, number | string>();
      for (const p of batch) expected.set(`${p.series} ${p.tags.site} ${p.time}`, p.value);
      const read = new Map<string, number | string>();
      let rows = 0;
      for (const f of fields) {
        for (const p of await s.rangeValues({ series: `sensors.reading.${f}`, from: T0, to: T0 + DAY })) {
          rows++;
          read.set(`${p.series} ${p.tags?.site} ${p.time}`, p.value as number | string);
          expect(Object.keys(p.tags ?? {}).sort()).toEqual(["site", "type"]);
        }
      }
      expect(read).toEqual(expected);
      expect(rows).toBe(expected.size);
      expect((await s.seriesNames()).length).toBe(6);
      // The same tags object changed between writes names another series.
      const tags: Record<string, string> = { site: "s0", type: "dht22" };
      await s.writePoints([{ series: "sensors.reading.battery", time: T0 + 2 * DAY, value: 1, tags }]);
      tags.site = "s9";
      await s.writePoints([{ series: "sensors.reading.battery", time: T0 + 2 * DAY, value: 2, tags }]);
      expect((await s.latest("sensors.reading.battery", { site: "s0" }))?.value).toBe(1);
      expect((await s.latest("sensors.reading.battery", { site: "s9" }))?.value).toBe(2);
    });

    it("retention removes old points of the matching series only, and drops whole time partitions where it can", async () => {
      const s = await store();
      const points = [];
      for (let d = 0; d < 10; d++) {
        for (let h = 0; h < 24; h += 6) points.push({ series: "raw.power", time: T0 + d * DAY + h * 3_600_000, value: d * 100 + h, tags: { site: "a" } });
        points.push({ series: "raw.state", time: T0 + d * DAY, value: d % 2 === 0 ? "on" : "off" });
      }
      // A series kept longer shares the first three days.
      for (let d = 0; d < 3; d++) points.push({ series: "daily.energy", time: T0 + d * DAY, value: d });
      await s.writePoints(points);
      const before = backend.partitions ? await backend.partitions(s) : 0;
      // Cut in the middle of day 7: days 0-6 go (whole), and the morning of day 7.
      const cut = T0 + 7 * DAY + 12 * 3_600_000;
      expect(await s.deleteOlderThan("raw.*", cut)).toBe(7 * 4 + 2 + 8);
      expect((await s.range({ series: "raw.power", from: 0, to: T0 + 20 * DAY }))[0]!.time).toBe(cut);
      expect((await s.rangeValues({ series: "raw.state", from: 0, to: T0 + 20 * DAY })).map((p) => p.value)).toEqual(["on", "off"]);
      expect((await s.range({ series: "daily.energy", from: 0, to: T0 + 20 * DAY })).length).toBe(3);
      if (backend.partitions) {
        // Days 3-6 held only raw.* points: dropped whole. Days 0-2 also hold daily.energy: rows deleted, partitions kept.
        expect(before).toBe(10);
        expect(await backend.partitions(s)).toBe(6);
      }
      expect(await s.deleteOlderThan("daily.energy", T0 + DAY)).toBe(1);
      // Writing into a time whose partition was dropped creates it again.
      await s.writePoints([{ series: "raw.power", time: T0 + 4 * DAY, value: 1, tags: { site: "a" } }]);
      expect((await s.range({ series: "raw.power", from: T0 + 4 * DAY, to: T0 + 5 * DAY })).map((p) => p.value)).toEqual([1]);
    });
  });
}
