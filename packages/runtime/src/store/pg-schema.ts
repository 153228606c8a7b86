import type pg from "pg";

/**
 * Schema steps of the PostgreSQL store, by version (`wattflow_schema`); a new
 * step is appended, never edited. Points are one table for every value type
 * (`value` for numbers, which aggregations read; `json` for booleans, strings
 * and JSON), partitioned by time so retention can drop whole partitions.
 * Documents (JSON values, revisions, record bodies) are `json`, not `jsonb`:
 * they come back as they were written, keys in their order (a flow file
 * written from a revision must not reorder itself); tags, which are only
 * matched, are `jsonb` for the index.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE series (id serial PRIMARY KEY, name text NOT NULL, tag_key text NOT NULL, tags jsonb NOT NULL, UNIQUE (name, tag_key));
   CREATE INDEX series_tags ON series USING gin (tags);
   CREATE TABLE points (series_id integer NOT NULL, time bigint NOT NULL, value double precision, json json,
     PRIMARY KEY (series_id, time)) PARTITION BY RANGE (time);
   CREATE TABLE revisions (flow_id text NOT NULL, revision integer NOT NULL, hash text NOT NULL, time bigint NOT NULL,
     author text NOT NULL, message text NOT NULL, document json NOT NULL, CONSTRAINT revisions_unique UNIQUE (flow_id, revision));
   CREATE TABLE context (scope text NOT NULL, key text NOT NULL, value text NOT NULL, PRIMARY KEY (scope, key));
   CREATE TABLE outbox (id bigserial PRIMARY KEY, name text NOT NULL, time bigint NOT NULL, item text NOT NULL);
   CREATE INDEX outbox_name ON outbox (name, id);
   CREATE TABLE dead_letters (id bigserial PRIMARY KEY, time bigint NOT NULL, flow_id text NOT NULL, node_id text NOT NULL,
     source text NOT NULL, reason text NOT NULL, size integer NOT NULL, preview text NOT NULL, preview_encoding text NOT NULL);
   CREATE INDEX dead_letters_flow ON dead_letters (flow_id, id);
   CREATE TABLE records (id bigserial PRIMARY KEY, collection text NOT NULL, time bigint NOT NULL, record_key text,
     tags jsonb NOT NULL, body json NOT NULL);
   CREATE INDEX records_time ON records (collection, time, id);
   CREATE UNIQUE INDEX records_key ON records (collection, record_key) WHERE record_key IS NOT NULL;
   CREATE INDEX records_tags ON records USING gin (tags);`,
];

/** Advisory lock keys (one namespace for Wattflow's schema work). */
const MIGRATE_LOCK = 0x57_46_01;
export const PARTITION_LOCK = 0x57_46_02;

/** Brings the schema to the newest version; runtimes starting together migrate one at a time. */
export async function migratePg(client: pg.PoolClient): Promise<void> {
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATE_LOCK]);
  try {
    await client.query("CREATE TABLE IF NOT EXISTS wattflow_schema (version integer NOT NULL)");
    const row = (await client.query<{ version: number }>("SELECT version FROM wattflow_schema")).rows[0];
    if (!row) await client.query("INSERT INTO wattflow_schema (version) VALUES (0)");
    const version = row?.version ?? 0;
    if (version > PG_MIGRATIONS.length) {
      throw new Error(`the database's schema is version ${version}, newer than this Wattflow knows (${PG_MIGRATIONS.length}): upgrade Wattflow`);
    }
    for (let v = version; v < PG_MIGRATIONS.length; v++) {
      await client.query("BEGIN");
      try {
        await client.query(PG_MIGRATIONS[v]!);
        await client.query("UPDATE wattflow_schema SET version = $1", [v + 1]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      }
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATE_LOCK]);
  }
}
