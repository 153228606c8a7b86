import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStoreFrom, parseStoreSpec } from "./index.js";

describe("--store / WATTFLOW_STORE", () => {
  it("reads postgres URLs, sqlite: paths, plain paths and folders; refuses other schemes naming the option", () => {
    expect(parseStoreSpec(undefined, "/data")).toEqual({ backend: "sqlite", dataDir: "/data" });
    expect(parseStoreSpec("postgres://w:secret@db:5432/wattflow?schema=site1")).toEqual({ backend: "postgres", url: "postgres://w:secret@db:5432/wattflow", schema: "site1" });
    expect(parseStoreSpec("postgresql://db/wattflow")).toMatchObject({ backend: "postgres", url: "postgresql://db/wattflow" });
    expect(parseStoreSpec("sqlite:/var/lib/wattflow/w.db")).toEqual({ backend: "sqlite", file: "/var/lib/wattflow/w.db" });
    expect(parseStoreSpec("./w.db")).toEqual({ backend: "sqlite", file: "./w.db" });
    expect(parseStoreSpec("/var/lib/wattflow/")).toEqual({ backend: "sqlite", dataDir: "/var/lib/wattflow/" });
    expect(parseStoreSpec("sqlite::memory:")).toEqual({ backend: "sqlite", memory: true });
    expect(() => parseStoreSpec("mysql://db/wattflow")).toThrow(/--store: "mysql:\/\/" is not a store Wattflow knows/);
  });

  it("opens an SQLite file at the path given, creating its folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wattflow-open-"));
    try {
      const file = join(dir, "nested", "site.db");
      const store = await openStoreFrom(parseStoreSpec(`sqlite:${file}`));
      expect(store.backend).toBe("sqlite");
      await store.writePoints([{ series: "s", time: 1, value: 1 }]);
      await store.close();
      expect(existsSync(file)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
