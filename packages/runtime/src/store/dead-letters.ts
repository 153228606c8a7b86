import type Database from "better-sqlite3";
import type { DeadLetter, DeadLetterQuery, Store } from "./types.js";

/** How many dead letters the store keeps by default; older ones are pruned as new ones arrive. */
export const DEFAULT_DEAD_LETTER_CAPACITY = 10_000;

/** Schema step (appended to the store's migrations). */
export const DEAD_LETTERS_MIGRATION = `CREATE TABLE dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, flow_id TEXT NOT NULL,
     node_id TEXT NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL, size INTEGER NOT NULL, preview TEXT NOT NULL, preview_encoding TEXT NOT NULL);
   CREATE INDEX dead_letters_flow ON dead_letters(flow_id, id);`;

/** A dead letter as both backends keep it (column names alike in SQLite and PostgreSQL). */
export interface DeadLetterRow {
  id: number;
  time: number;
  flow_id: string;
  node_id: string;
  source: string;
  reason: string;
  size: number;
  preview: string;
  preview_encoding: string;
}

export const toLetter = (r: DeadLetterRow): DeadLetter => ({
  id: r.id,
  time: r.time,
  flowId: r.flow_id,
  nodeId: r.node_id,
  source: r.source,
  reason: r.reason,
  size: r.size,
  preview: r.preview,
  previewEncoding: r.preview_encoding === "base64" ? "base64" : "text",
});

const MAX_LIST = 10_000;

/**
 * A letter as both backends keep it: NUL (which PostgreSQL text cannot hold)
 * becomes U+FFFD, since a dead letter must be kept rather than refused.
 */
export function keepableLetter(l: Omit<DeadLetter, "id">): Omit<DeadLetter, "id"> {
  const clean = (text: string): string => (text.includes("\u0000") ? text.replace(/\u0000/g, "\uFFFD") : text);
  return { ...l, flowId: clean(l.flowId), nodeId: clean(l.nodeId), source: clean(l.source), reason: clean(l.reason), preview: clean(l.preview) };
}

/** The dead-letter table of the embedded store, bounded to the newest `capacity` letters. */
export function sqliteDeadLetters(db: Database.Database, capacity: number = DEFAULT_DEAD_LETTER_CAPACITY): Store["deadLetters"] {
  const insert = db.prepare(
    "INSERT INTO dead_letters(time, flow_id, node_id, source, reason, size, preview, preview_encoding) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  // Ids only grow (AUTOINCREMENT), so everything at or below newest - capacity is older than the newest `capacity`.
  const prune = db.prepare("DELETE FROM dead_letters WHERE id <= ?");
  const listAll = db.prepare("SELECT * FROM dead_letters ORDER BY id DESC LIMIT ?");
  const listFlow = db.prepare("SELECT * FROM dead_letters WHERE flow_id = ? ORDER BY id DESC LIMIT ?");
  const countAll = db.prepare("SELECT COUNT(*) AS n FROM dead_letters");
  const countFlow = db.prepare("SELECT COUNT(*) AS n FROM dead_letters WHERE flow_id = ?");
  const clearAll = db.prepare("DELETE FROM dead_letters");
  const clearFlow = db.prepare("DELETE FROM dead_letters WHERE flow_id = ?");
  const limitOf = (limit: number | undefined): number => Math.min(MAX_LIST, Math.max(0, Math.floor(limit ?? 100)));

  const addOne = db.transaction((l: Omit<DeadLetter, "id">): void => {
    const id = Number(insert.run(l.time, l.flowId, l.nodeId, l.source, l.reason, l.size, l.preview, l.previewEncoding).lastInsertRowid);
    if (id > capacity) prune.run(id - capacity);
  });

  return {
    add: async (letter) => addOne(keepableLetter(letter)),
    list: async (query: DeadLetterQuery = {}) =>
      ((query.flowId !== undefined ? listFlow.all(query.flowId, limitOf(query.limit)) : listAll.all(limitOf(query.limit))) as DeadLetterRow[]).map(toLetter),
    count: async (flowId) => ((flowId !== undefined ? countFlow.get(flowId) : countAll.get()) as { n: number }).n,
    clear: async (flowId) => (flowId !== undefined ? clearFlow.run(flowId) : clearAll.run()).changes,
  };
}

const PREVIEW_BYTES = 1024;

/**
 * The start of a payload as stored with a dead letter: text stays text (cut at
 * about 1 KB), bytes that are not UTF-8 become base64, other values their JSON.
 */
export function deadLetterPreview(payload: unknown): { size: number; preview: string; previewEncoding: "text" | "base64" } {
  if (payload === undefined || payload === null) return { size: 0, preview: "", previewEncoding: "text" };
  if (payload instanceof Uint8Array) {
    const head = payload.subarray(0, PREVIEW_BYTES);
    try {
      // Streaming, so a character cut in two at the preview's end is not taken for invalid UTF-8.
      const text = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: head.length < payload.length });
      return { size: payload.length, preview: text, previewEncoding: "text" };
    } catch {
      return { size: payload.length, preview: Buffer.from(head.buffer, head.byteOffset, head.length).toString("base64"), previewEncoding: "base64" };
    }
  }
  let text: string;
  if (typeof payload === "string") text = payload;
  else {
    try {
      text = JSON.stringify(payload) ?? String(payload);
    } catch {
      // Cycles, or nesting too deep to serialise.
      text = Object.prototype.toString.call(payload);
    }
  }
  return { size: Buffer.byteLength(text), preview: text.length > PREVIEW_BYTES ? text.slice(0, PREVIEW_BYTES) : text, previewEncoding: "text" };
}
