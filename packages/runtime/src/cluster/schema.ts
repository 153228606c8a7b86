import type { Pool } from "pg";

/** Advisory-lock class of Wattflow's cluster locks ("WFLW"); the second key tells the lock apart. */
export const LOCK_CLASS = 0x57464c57;
/** The second key of the lock taken while the schema is created, so runtimes starting together do not race. */
const SCHEMA_LOCK = 0;

const DDL = [
  `CREATE TABLE IF NOT EXISTS wattflow_cluster_peers (
     instance text PRIMARY KEY,
     host text NOT NULL,
     pid integer NOT NULL,
     started timestamptz NOT NULL,
     last_seen timestamptz NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS wattflow_cluster_jobs (
     name text PRIMARY KEY,
     lock_key integer NOT NULL,
     last_run bigint,
     last_failed bigint,
     runs bigint NOT NULL DEFAULT 0,
     ran_by text,
     ran_at timestamptz
   )`,
  // Channel messages too large for NOTIFY's 8000 bytes wait here, referenced by id, for a minute.
  `CREATE TABLE IF NOT EXISTS wattflow_cluster_payloads (
     id bigserial PRIMARY KEY,
     created timestamptz NOT NULL DEFAULT now(),
     body text NOT NULL
   )`,
];

export async function createClusterSchema(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_CLASS, SCHEMA_LOCK]);
    for (const sql of DDL) await client.query(sql);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A job's lock key: a 32-bit FNV-1a hash of its name, as a signed integer (never SCHEMA_LOCK). */
export function lockKey(job: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < job.length; i++) {
    h ^= job.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0 || 1;
}
