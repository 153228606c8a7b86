import { afterAll, describe, expect, it } from "vitest";
import { postgresAvailable, startPostgres, type Postgres } from "../../../../test/services/postgres.js";
import { describeBackend } from "../../../../test/store-backend-suite.js";
import { openPgStore } from "./index.js";
import type { Store } from "./types.js";

const DAY = 86_400_000;
const partitionCount = (store: Store) => (store as Store & { partitionCount(): Promise<number> }).partitionCount();

if (postgresAvailable) {
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
} else {
  describe.skip("store backend: postgres (PostgreSQL server binaries not found; apt-get install postgresql)", () => {
    it("needs PostgreSQL", () => undefined);
  });
}
