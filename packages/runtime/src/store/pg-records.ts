import type pg from "pg";
import { checkRecord, decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, FIELD_PATH, MAX_PAGE_SIZE, RecordQueryError, tagJson } from "./records.js";
import type { JsonValue, RecordPage, RecordQuery, RecordStore, StoredRecord, Tags } from "./types.js";

interface RecordRow {
  id: number;
  collection: string;
  time: number;
  record_key: string | null;
  tags: Tags;
  body: JsonValue;
}

const toRecord = (r: RecordRow): StoredRecord => ({
  id: r.id,
  collection: r.collection,
  time: r.time,
  tags: r.tags,
  body: r.body,
  ...(r.record_key !== null ? { key: r.record_key } : {}),
});

/** `prefix*` or an exact collection name, as SQL and its arguments from `$first` on. */
function collectionMatch(collection: string, first: number): { sql: string; args: string[] } {
  if (!collection.endsWith("*")) return { sql: `collection = $${first}`, args: [collection] };
  return { sql: `left(collection, $${first}::integer) = $${first + 1}`, args: [String(collection.length - 1), collection.slice(0, -1)] };
}

/** The records of the PostgreSQL store: tags as jsonb (tag filters use its GIN index), bodies as json (kept as written). */
export function pgRecords(pool: pg.Pool): RecordStore {
  const query = async (q: RecordQuery): Promise<RecordPage> => {
    const where: string[] = ["collection = $1"];
    const args: (string | number | boolean)[] = [q.collection];
    const arg = (v: string | number | boolean): string => {
      args.push(v);
      return `$${args.length}`;
    };
    if (q.from !== undefined) where.push(`time >= ${arg(Math.floor(q.from))}`);
    if (q.to !== undefined) where.push(`time < ${arg(Math.ceil(Math.min(q.to, Number.MAX_SAFE_INTEGER)))}`);
    if (q.tags && Object.keys(q.tags).length > 0) where.push(`tags @> ${arg(tagJson(q.tags))}::jsonb`);
    for (const [field, value] of Object.entries(q.fields ?? {})) {
      if (!FIELD_PATH.test(field)) throw new RecordQueryError(`field "${field.slice(0, 60)}" is not a dotted name (letters, digits, _ $ -)`);
      const path = `${arg(`{${field.split(".").map((p) => `"${p}"`).join(",")}}`)}::text[]`;
      if (typeof value === "boolean") where.push(`(body #> ${path})::jsonb = ${arg(value ? "true" : "false")}::jsonb`);
      else if (typeof value === "number") where.push(`json_typeof(body #> ${path}) = 'number' AND (body #>> ${path})::numeric = ${arg(value)}::numeric`);
      // Text equality: a string field, or a number written the same way (query strings are text).
      else where.push(`json_typeof(body #> ${path}) IN ('string', 'number') AND (body #>> ${path}) = ${arg(String(value))}`);
    }
    const count = (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM records WHERE ${where.join(" AND ")}`, args)).rows[0]!.n;
    const desc = q.order !== "asc";
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(q.pageSize ?? DEFAULT_PAGE_SIZE)));
    let offset = 0;
    if (q.cursor !== undefined && q.cursor !== "") {
      const c = decodeCursor(q.cursor);
      where.push(`(time, id) ${desc ? "<" : ">"} (${arg(c.time)}::bigint, ${arg(c.id)}::bigint)`);
    } else {
      offset = (Math.max(1, Math.floor(q.page ?? 1)) - 1) * pageSize;
    }
    const dir = desc ? "DESC" : "ASC";
    // One more than a page tells whether a next page exists without a second count.
    const { rows } = await pool.query<RecordRow>(
      `SELECT * FROM records WHERE ${where.join(" AND ")} ORDER BY time ${dir}, id ${dir} LIMIT ${pageSize + 1} OFFSET ${offset}`,
      args,
    );
    const records = rows.slice(0, pageSize).map(toRecord);
    return { count, records, ...(rows.length > pageSize ? { next: encodeCursor(records[records.length - 1]!) } : {}) };
  };

  return {
    add: async (records) => {
      if (records.length === 0) return [];
      const checked = records.map((r) => ({ r, body: checkRecord(r) }));
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        try {
          const out: StoredRecord[] = [];
          for (const { r, body } of checked) {
            // A keyed record replaces the one before it in a single statement: concurrent adds of one key take turns
            // on the row instead of failing on the unique key, and the later one wins. A new id, as after a delete
            // and insert, so the replacement sorts as the newest record.
            const { rows } = await client.query<RecordRow>({
              name: "wattflow-record-add",
              text: `INSERT INTO records (collection, time, record_key, tags, body) VALUES ($1, $2, $3, $4::jsonb, $5::json)
                     ON CONFLICT (collection, record_key) WHERE record_key IS NOT NULL
                     DO UPDATE SET id = DEFAULT, time = EXCLUDED.time, tags = EXCLUDED.tags, body = EXCLUDED.body RETURNING *`,
              values: [r.collection, Math.round(r.time), r.key ?? null, tagJson(r.tags), body],
            });
            out.push(toRecord(rows[0]!));
          }
          await client.query("COMMIT");
          return out;
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw err;
        }
      } finally {
        client.release();
      }
    },
    get: async (collection, key) => {
      const { rows } = await pool.query<RecordRow>("SELECT * FROM records WHERE collection = $1 AND record_key = $2", [collection, key]);
      return rows[0] ? toRecord(rows[0]) : undefined;
    },
    query,
    remove: async (collection, key) => ((await pool.query("DELETE FROM records WHERE collection = $1 AND record_key = $2", [collection, key])).rowCount ?? 0) > 0,
    deleteOlderThan: async (collection, before) => {
      const match = collectionMatch(collection, 1);
      const n = match.args.length + 1;
      return (await pool.query(`DELETE FROM records WHERE ${match.sql} AND time < $${n}`, [...match.args, Math.floor(before)])).rowCount ?? 0;
    },
  };
}
