import type Database from "better-sqlite3";
import { hasNul, jsonHasNul, MAX_TIME_MS, shown } from "./point-checks.js";
import { STORE_LIMITS, type JsonValue, type NewRecord, type RecordPage, type RecordQuery, type RecordStore, type StoredRecord, type Tags } from "./types.js";

/**
 * Schema step (appended to the store's migrations). Tags are also kept one
 * row per pair, so a tag filter is an index lookup rather than a scan of the
 * collection's JSON.
 */
export const RECORDS_MIGRATION = `CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, time INTEGER NOT NULL,
     record_key TEXT, tags TEXT NOT NULL, body TEXT NOT NULL);
   CREATE INDEX records_time ON records(collection, time, id);
   CREATE UNIQUE INDEX records_key ON records(collection, record_key) WHERE record_key IS NOT NULL;
   CREATE TABLE record_tags (name TEXT NOT NULL, value TEXT NOT NULL, record_id INTEGER NOT NULL, PRIMARY KEY(name, value, record_id)) WITHOUT ROWID;
   CREATE INDEX record_tags_record ON record_tags(record_id);`;

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 10_000;
export const FIELD_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

interface RecordRow {
  id: number;
  collection: string;
  time: number;
  record_key: string | null;
  tags: string;
  body: string;
}

const toRecord = (r: RecordRow): StoredRecord => ({
  id: r.id,
  collection: r.collection,
  time: r.time,
  tags: JSON.parse(r.tags) as Tags,
  body: JSON.parse(r.body) as JsonValue,
  ...(r.record_key !== null ? { key: r.record_key } : {}),
});

/** Canonical tag JSON (sorted keys), as series tags are kept. */
export function tagJson(tags: Tags | undefined): string {
  if (!tags) return "{}";
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(tags).sort()) sorted[k] = String(tags[k]);
  return JSON.stringify(sorted);
}

export function checkRecord(r: NewRecord): string {
  const where = `collection "${String(r.collection).slice(0, 60).replace(/\u0000/g, "\\0")}"`;
  if (typeof r.collection !== "string" || r.collection.length === 0) throw new Error("a record needs a collection name");
  if (r.collection.length > STORE_LIMITS.collectionName) throw new Error(`${where}: the name is longer than ${STORE_LIMITS.collectionName} characters`);
  if (typeof r.time !== "number" || !Number.isFinite(r.time) || Math.abs(r.time) > MAX_TIME_MS) throw new Error(`${where}: a record needs a time (ms since the epoch)`);
  if (hasNul(r.collection)) throw new Error(`${where}: the name holds a NUL character (\\0)`);
  if (r.key !== undefined && (typeof r.key !== "string" || r.key.length > STORE_LIMITS.recordKey)) {
    throw new Error(`${where}: a record key is a string of at most ${STORE_LIMITS.recordKey} characters`);
  }
  if (r.key !== undefined && hasNul(r.key)) throw new Error(`${where}: record key ${shown(r.key)} holds a NUL character (\\0)`);
  for (const k in r.tags) {
    if (k.length > STORE_LIMITS.tagName) throw new Error(`${where}: tag name "${k.slice(0, 60)}" is longer than ${STORE_LIMITS.tagName} characters`);
    if (String(r.tags[k]).length > STORE_LIMITS.tagValue) throw new Error(`${where}: tag ${k} is longer than ${STORE_LIMITS.tagValue} characters`);
    if (hasNul(k) || hasNul(String(r.tags[k]))) throw new Error(`${where}: tag ${shown(k)} holds a NUL character (\\0)`);
  }
  const body = JSON.stringify(r.body ?? null);
  if (body.length > STORE_LIMITS.recordBytes) throw new Error(`${where}: the body is ${body.length} characters of JSON; the store keeps at most ${STORE_LIMITS.recordBytes}`);
  if (body.includes("\\u0000") && jsonHasNul(r.body)) throw new Error(`${where}: the body holds a NUL character (\\0)`);
  return body;
}

/** `time:id` of the last record of a page, opaque to callers. */
export function encodeCursor(r: StoredRecord): string {
  return Buffer.from(`${r.time}:${r.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { time: number; id: number } {
  const m = /^(-?\d+):(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!m) throw new RecordQueryError(`cursor "${cursor.slice(0, 60)}" is not one this store gave out`);
  return { time: Number(m[1]), id: Number(m[2]) };
}

/** A query that cannot be answered as asked (a bad cursor or field path): the caller's mistake. */
export class RecordQueryError extends Error {
  override name = "RecordQueryError";
}

/** The records of the embedded store. */
export function sqliteRecords(db: Database.Database): RecordStore {
  const insert = db.prepare("INSERT INTO records(collection, time, record_key, tags, body) VALUES (?, ?, ?, ?, ?)");
  const insertTag = db.prepare("INSERT INTO record_tags(name, value, record_id) VALUES (?, ?, ?)");
  const byKey = db.prepare("SELECT * FROM records WHERE collection = ? AND record_key = ?");
  const deleteOne = db.prepare("DELETE FROM records WHERE id = ?");
  const deleteTags = db.prepare("DELETE FROM record_tags WHERE record_id = ?");

  const removeById = (id: number): void => {
    deleteTags.run(id);
    deleteOne.run(id);
  };

  const addAll = db.transaction((records: readonly NewRecord[]): StoredRecord[] =>
    records.map((r) => {
      const body = checkRecord(r);
      if (r.key !== undefined) {
        const old = byKey.get(r.collection, r.key) as RecordRow | undefined;
        if (old) removeById(old.id);
      }
      const tags = tagJson(r.tags);
      const time = Math.round(r.time);
      const id = Number(insert.run(r.collection, time, r.key ?? null, tags, body).lastInsertRowid);
      const parsedTags = JSON.parse(tags) as Record<string, string>;
      for (const [name, value] of Object.entries(parsedTags)) insertTag.run(name, value, id);
      return { id, collection: r.collection, time, tags: parsedTags, body: JSON.parse(body) as JsonValue, ...(r.key !== undefined ? { key: r.key } : {}) };
    }),
  );

  const query = (q: RecordQuery): RecordPage => {
    const where: string[] = ["collection = ?"];
    const args: (string | number)[] = [q.collection];
    if (q.from !== undefined) {
      where.push("time >= ?");
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push("time < ?");
      args.push(q.to);
    }
    for (const [name, value] of Object.entries(q.tags ?? {})) {
      where.push("id IN (SELECT record_id FROM record_tags WHERE name = ? AND value = ?)");
      args.push(name, String(value));
    }
    for (const [field, value] of Object.entries(q.fields ?? {})) {
      if (!FIELD_PATH.test(field)) throw new RecordQueryError(`field "${field.slice(0, 60)}" is not a dotted name (letters, digits, _ $ -)`);
      const path = "$." + field.split(".").map((p) => `"${p}"`).join(".");
      if (typeof value === "boolean") {
        where.push("json_type(body, ?) = ?");
        args.push(path, value ? "true" : "false");
      } else if (typeof value === "number") {
        where.push("json_type(body, ?) IN ('integer', 'real') AND json_extract(body, ?) = ?");
        args.push(path, path, value);
      } else {
        // Text equality: a string field, or a number written the same way (query strings are text).
        where.push("json_type(body, ?) IN ('text', 'integer', 'real') AND CAST(json_extract(body, ?) AS TEXT) = ?");
        args.push(path, path, String(value));
      }
    }
    const count = (db.prepare(`SELECT COUNT(*) AS n FROM records WHERE ${where.join(" AND ")}`).get(...args) as { n: number }).n;
    const desc = q.order !== "asc";
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(q.pageSize ?? DEFAULT_PAGE_SIZE)));
    let offset = 0;
    if (q.cursor !== undefined && q.cursor !== "") {
      const c = decodeCursor(q.cursor);
      where.push(desc ? "(time < ? OR (time = ? AND id < ?))" : "(time > ? OR (time = ? AND id > ?))");
      args.push(c.time, c.time, c.id);
    } else {
      offset = (Math.max(1, Math.floor(q.page ?? 1)) - 1) * pageSize;
    }
    const dir = desc ? "DESC" : "ASC";
    // One more than a page tells whether a next page exists without a second count.
    const rows = db
      .prepare(`SELECT * FROM records WHERE ${where.join(" AND ")} ORDER BY time ${dir}, id ${dir} LIMIT ? OFFSET ?`)
      .all(...args, pageSize + 1, offset) as RecordRow[];
    const records = rows.slice(0, pageSize).map(toRecord);
    return { count, records, ...(rows.length > pageSize ? { next: encodeCursor(records[records.length - 1]!) } : {}) };
  };

  return {
    add: async (records) => (records.length === 0 ? [] : addAll(records)),
    get: async (collection, key) => {
      const row = byKey.get(collection, key) as RecordRow | undefined;
      return row ? toRecord(row) : undefined;
    },
    query: async (q) => query(q),
    remove: async (collection, key) =>
      db.transaction(() => {
        const row = byKey.get(collection, key) as RecordRow | undefined;
        if (!row) return false;
        removeById(row.id);
        return true;
      })(),
    deleteOlderThan: async (collection, before) =>
      db.transaction(() => {
        const prefix = collection.endsWith("*");
        const match = prefix ? "substr(collection, 1, ?) = ?" : "collection = ?";
        const args = prefix ? [collection.length - 1, collection.slice(0, -1)] : [collection];
        db.prepare(`DELETE FROM record_tags WHERE record_id IN (SELECT id FROM records WHERE ${match} AND time < ?)`).run(...args, before);
        return db.prepare(`DELETE FROM records WHERE ${match} AND time < ?`).run(...args, before).changes;
      })(),
  };
}
