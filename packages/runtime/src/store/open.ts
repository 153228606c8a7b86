import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { PgStoreOptions } from "./pg-store.js";
import { openStore, type StoreOptions } from "./sqlite-store.js";
import type { Store } from "./types.js";

/** What `--store` / `WATTFLOW_STORE` name, resolved. */
export type StoreSpec = { backend: "sqlite"; file?: string; dataDir?: string; memory?: boolean } | { backend: "postgres"; url: string; schema?: string };

/**
 * Reads a store location: `postgres://…` (or `postgresql://…`, optionally
 * with `?schema=name`) is PostgreSQL; `sqlite:<path>` or a plain path is an
 * SQLite database file (a folder, or a path ending in `/`, holds
 * `wattflow.db`); `sqlite::memory:` is a database in memory. Empty means the
 * default: SQLite in `dataDir`.
 */
export function parseStoreSpec(text: string | undefined, dataDir?: string): StoreSpec {
  const spec = (text ?? "").trim();
  if (spec === "") return { backend: "sqlite", dataDir: dataDir ?? ".wattflow" };
  if (/^postgres(ql)?:\/\//i.test(spec)) {
    let url: URL;
    try {
      url = new URL(spec);
    } catch {
      throw new Error(`--store: "${spec.replace(/:[^:@/]*@/, ":***@")}" is not a valid postgres:// URL`);
    }
    const schema = url.searchParams.get("schema") ?? undefined;
    url.searchParams.delete("schema");
    return { backend: "postgres", url: url.toString(), ...(schema ? { schema } : {}) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && !/^sqlite:/i.test(spec)) {
    throw new Error(`--store: "${spec.split("://")[0]}://" is not a store Wattflow knows: give a postgres:// URL, or a path (or sqlite:<path>) for SQLite`);
  }
  const path = spec.replace(/^sqlite:(\/\/)?/i, "");
  if (path === ":memory:") return { backend: "sqlite", memory: true };
  if (path === "") throw new Error("--store: sqlite: needs a path (sqlite:/var/lib/wattflow/wattflow.db)");
  if (path.endsWith("/") || (existsSync(path) && statSync(path).isDirectory())) return { backend: "sqlite", dataDir: path };
  return { backend: "sqlite", file: path };
}

/** Opens a PostgreSQL store. Its client library is loaded only then, so an SQLite runtime never pays for it. */
export async function openPgStore(options: PgStoreOptions): Promise<Store> {
  const pgStore = await import("./pg-store.js");
  return pgStore.openPgStore(options);
}

/** Opens the store a spec names (PostgreSQL: connects and migrates the schema first). */
export async function openStoreFrom(spec: StoreSpec, options: Pick<StoreOptions, "deadLetterCapacity" | "onContextError"> & Pick<PgStoreOptions, "partitionMs" | "poolSize"> = {}): Promise<Store> {
  if (spec.backend === "postgres") return openPgStore({ url: spec.url, ...(spec.schema ? { schema: spec.schema } : {}), ...options });
  if (spec.file) mkdirSync(dirname(spec.file), { recursive: true });
  return openStore({ ...options, ...(spec.memory ? { memory: true } : spec.file ? { file: spec.file } : { dataDir: spec.dataDir }) });
}
