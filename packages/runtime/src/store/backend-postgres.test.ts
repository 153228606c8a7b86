import { createServer, connect, type Server, type Socket } from "node:net";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../../../test/services/ports.js";
import { postgresAvailable, startPostgres, type Postgres } from "../../../../test/services/postgres.js";
import { describeBackend } from "../../../../test/store-backend-suite.js";
import { openPgStore } from "./index.js";
import type { Store } from "./types.js";

const DAY = 86_400_000;
const partitionCount = (store: Store) => (store as Store & { partitionCount(): Promise<number> }).partitionCount();

// Without the PostgreSQL server binaries the block shows as skipped (with REQUIRE_SERVICES=1, as CI runs, the harness fails instead).
describe.skipIf(!postgresAvailable)("store backend on PostgreSQL (apt-get install postgresql)", () => {
  let server: Postgres | undefined;
  let schemas = 0;
  const freshSchema = async (): Promise<{ url: string; schema: string }> => {
    server ??= await startPostgres();
    // A schema per test: an empty store without a database of its own.
    return { url: server.url, schema: `t${++schemas}_${process.pid}` };
  };
  afterAll(async () => {
    await server?.stop();
  });

  describeBackend({
    name: "postgres",
    async fresh() {
      const { url, schema } = await freshSchema();
      return { open: () => openPgStore({ url, schema }) };
    },
    partitions: partitionCount,
  });

  describe("store backend: postgres, two runtimes on one database", () => {
    it("create the same new partitions at once without error, and write on after the other's retention dropped one", async () => {
      const { url, schema } = await freshSchema();
      const [a, b] = await Promise.all([openPgStore({ url, schema }), openPgStore({ url, schema })]);
      try {
        const t0 = Date.parse("2025-01-01T00:00:00Z");
        const days = (who: string) => Array.from({ length: 5 * 24 }, (_, h) => ({ series: "p", time: t0 + h * 3_600_000, value: h, tags: { who } }));
        await Promise.all([a.writePoints(days("a")), b.writePoints(days("b"))]);
        expect(await partitionCount(a)).toBe(5);
        expect((await b.listSeries("p")).map((s) => [s.tags.who, s.points])).toEqual([
          ["a", 120],
          ["b", 120],
        ]);
        // b's retention drops the first two days whole; a still believes they exist, and writes there again.
        expect(await b.deleteOlderThan("p", t0 + 2 * DAY)).toBe(96);
        expect(await partitionCount(a)).toBe(3);
        await a.writePoints([{ series: "p", time: t0 + 1000, value: 42, tags: { who: "a" } }]);
        expect((await b.range({ series: "p", from: t0, to: t0 + DAY })).map((p) => p.value)).toEqual([42]);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
  describe("store backend: postgres, retention under load", () => {
    it("drops whole partitions while queries read the table, without a deadlock", async () => {
      const { url, schema } = await freshSchema();
      const store = await openPgStore({ url, schema });
      try {
        const t0 = Date.parse("2025-03-01T00:00:00Z");
        await store.writePoints(Array.from({ length: 12 * 24 }, (_, h) => ({ series: "load", time: t0 + h * 3_600_000, value: h })));
        let reading = true;
        // Queries over the whole range keep running while retention drops the first ten days one by one.
        const readers = Array.from({ length: 4 }, async () => {
          let n = 0;
          while (reading) {
            await store.range({ series: "load", from: t0, to: t0 + 12 * DAY });
            n += 1;
          }
          return n;
        });
        const removed = await store.deleteOlderThan("load", t0 + 10 * DAY);
        reading = false;
        const counts = await Promise.all(readers);
        expect(removed).toBe(10 * 24);
        expect(counts.every((n) => n > 0)).toBe(true);
        expect(await partitionCount(store)).toBe(2);
      } finally {
        await store.close();
      }
    });
  });

  describe("store backend: postgres, failures", () => {
    it("keeps context writes made while the database is away and writes them once it is back, newest per key", async () => {
      const { url, schema } = await freshSchema();
      const proxy = await tcpProxy(new URL(url));
      const errors: string[] = [];
      const viaProxy = url.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${proxy.port}`);
      const stored = async (key: string): Promise<unknown> => {
        const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
        await client.connect();
        try {
          const { rows } = await client.query<{ value: string }>("SELECT value FROM context WHERE scope = 'cap' AND key = $1", [key]);
          return rows[0] ? JSON.parse(rows[0].value) : undefined;
        } finally {
          await client.end();
        }
      };
      const until = async (what: () => Promise<boolean>, ms: number): Promise<void> => {
        for (const end = Date.now() + ms; !(await what()); ) {
          if (Date.now() > end) throw new Error(`not within ${ms} ms; errors: ${errors.join(" | ")}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      let s: Store | undefined = await openPgStore({ url: viaProxy, schema, poolSize: 2, onContextError: (err) => errors.push(err.message) });
      try {
        const view = await s.openContext("cap");
        view.set("used", 1);
        await until(async () => (await stored("used")) === 1, 5_000);
        await proxy.down();
        view.set("used", 2);
        view.set("used", 3);
        await until(async () => errors.length > 0, 5_000);
        expect(errors[0]).toMatch(/1 context changes kept, tried again in 1 s/);
        expect(view.get("used")).toBe(3);
        await proxy.up();
        view.set("day", "2025-06-02");
        // Written by a retry, not by close.
        await until(async () => (await stored("used")) === 3 && (await stored("day")) === "2025-06-02", 10_000);
        await s.close();
        s = await openPgStore({ url, schema });
        const again = await s.openContext("cap");
        expect([again.get("used"), again.get("day")]).toEqual([3, "2025-06-02"]);
        await s.close();

        // At close, what still cannot be written is reported.
        s = await openPgStore({ url: viaProxy, schema, poolSize: 1, onContextError: (err) => errors.push(err.message) });
        const last = await s.openContext("cap");
        await proxy.down();
        last.set("used", 4);
        await s.close();
        expect(errors.at(-1)).toMatch(/^context changes not written at close \(cap\/used\): /);
        expect(await stored("used")).toBe(3);
      } finally {
        await s?.close().catch(() => undefined);
        await proxy.close();
      }
    });

    it("takes 40 concurrent adds of one record key without error; one record remains, with the last body written", async () => {
      const { url, schema } = await freshSchema();
      const s = await openPgStore({ url, schema, poolSize: 20 });
      try {
        const results = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) => s.records.add([{ collection: "prefs", time: 1000 + i, key: "tariff", body: { i } }])),
        );
        expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
        const page = await s.records.query({ collection: "prefs" });
        expect(page.count).toBe(1);
        // The record left is the one whose add returned the highest id: the later write wins.
        const ids = results.map((r) => (r as PromiseFulfilledResult<{ id: number; body: unknown }[]>).value[0]!);
        const latest = ids.reduce((a, b) => (b.id > a.id ? b : a));
        expect(page.records[0]).toMatchObject({ id: latest.id, body: latest.body });
      } finally {
        await s.close();
      }
    });

    it("creates no partition for a batch it refuses", async () => {
      const { url, schema } = await freshSchema();
      const s = await openPgStore({ url, schema });
      try {
        const wild = Array.from({ length: 50 }, (_, i) => ({ series: "clock", time: Date.now() + (10 + i) * DAY, value: i }));
        await expect(s.writePoints(wild)).rejects.toThrow(/more than 7 days ahead/);
        expect(await partitionCount(s)).toBe(0);
      } finally {
        await s.close();
      }
    });
  });
});

/** A TCP relay to the database that can be taken down (connections cut, port refusing) and brought back. */
async function tcpProxy(target: URL): Promise<{ port: number; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const up = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("error", () => undefined);
          s.on("close", () => {
            sockets.delete(s);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  const down = async (): Promise<void> => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await up();
  return { port, up, down, close: down };
}
