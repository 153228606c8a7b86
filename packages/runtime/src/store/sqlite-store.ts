import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ContextViews } from "./context-views.js";
import { DEAD_LETTERS_MIGRATION, sqliteDeadLetters } from "./dead-letters.js";
import { RECORDS_MIGRATION, sqliteRecords } from "./records.js";
import { checkPointTime, checkSeriesLimits, encodeValue } from "./point-checks.js";
import { SeriesIdCache } from "./series-id-cache.js";
import {
  type Aggregate,
  type Bucket,
  type BucketQuery,
  type ContextView,
  type OutboxItem,
  type OutboxSummary,
  type Point,
  type PointValue,
  type RangeQuery,
  type RevisionRecord,
  RevisionConflictError,
  type RollupSpec,
  type SeriesInfo,
  type Store,
  type Tags,
  type TypedPoint,
} from "./types.js";

type Db = Database.Database;

export interface StoreOptions {
  /** Folder holding `wattflow.db` (created when missing). */
  dataDir?: string;
  /** Explicit database file; wins over `dataDir`. */
  file?: string;
  /** An in-memory database (tests, benchmarks). */
  memory?: boolean;
  /** Dead letters kept (newest first); default 10,000. */
  deadLetterCapacity?: number;
  /** A context write made through a view failed (default: a process warning). */
  onContextError?: (err: Error) => void;
}

/** Schema steps by `user_version`; a new step is appended, never edited. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE series (id INTEGER PRIMARY KEY, name TEXT NOT NULL, tags TEXT NOT NULL, UNIQUE(name, tags));
   CREATE TABLE points (series_id INTEGER NOT NULL, time INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY(series_id, time)) WITHOUT ROWID;
   CREATE TABLE revisions (flow_id TEXT NOT NULL, revision INTEGER NOT NULL, hash TEXT NOT NULL, time INTEGER NOT NULL,
     author TEXT NOT NULL, message TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY(flow_id, revision));
   CREATE TABLE context (scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(scope, key)) WITHOUT ROWID;
   CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, time INTEGER NOT NULL, item TEXT NOT NULL);
   CREATE INDEX outbox_name ON outbox(name, id);`,
  DEAD_LETTERS_MIGRATION,
  // Booleans, strings and JSON values, as JSON text; numbers stay in points (the hot path is unchanged).
  // A (series, time) is in one of the two tables at most.
  `CREATE TABLE point_values (series_id INTEGER NOT NULL, time INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY(series_id, time)) WITHOUT ROWID;`,
  RECORDS_MIGRATION,
];

/** Numeric points per INSERT statement: one call into SQLite binds this many rows. */
const ROWS_PER_INSERT = 64;

interface SeriesRow {
  id: number;
  name: string;
  tags: Tags;
}

/** Tag sets as canonical JSON (sorted keys), so the same tags always name the same series. */
export function tagKey(tags: Tags | undefined): string {
  if (!tags) return "{}";
  const keys = Object.keys(tags);
  if (keys.length === 0) return "{}";
  keys.sort();
  const sorted: Record<string, string> = {};
  for (const k of keys) sorted[k] = String(tags[k]);
  return JSON.stringify(sorted);
}

function matchesTags(have: Tags, want: Tags | undefined): boolean {
  if (!want) return true;
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) return false;
  return true;
}

function migrate(db: Db): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export function openStore(options: StoreOptions = {}): Store {
  let path = ":memory:";
  if (!options.memory) {
    if (options.file) path = options.file;
    else {
      const dir = options.dataDir ?? ".wattflow";
      mkdirSync(dir, { recursive: true });
      path = join(dir, "wattflow.db");
    }
  }
  const db = new Database(path);
  if (!options.memory) db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return new SqliteStore(db, options.memory ? ":memory:" : path, options);
}

/**
 * The embedded store. better-sqlite3 is synchronous: each method does its
 * work before it returns and hands back a settled promise, so the async
 * interface costs the hot path one promise per call, not a thread hop.
 */
class SqliteStore implements Store {
  /** name → tagKey → series */
  private readonly seriesByName = new Map<string, Map<string, SeriesRow>>();
  /** Series ids by name and tags as a write gives them, so a write finds its series without building the canonical key. */
  private readonly idByWrite = new SeriesIdCache();
  /** Numeric rows of the batch not yet inserted, as columns (reused across batches). */
  private readonly pendingIds: number[] = [];
  private readonly pendingTimes: number[] = [];
  private readonly pendingValues: number[] = [];
  private pendingCount = 0;
  /** Row order for an insert, and the arguments of one `upsertPoints` (reused across batches). */
  private readonly pendingOrder: number[] = [];
  private readonly insertArgs: number[] = new Array<number>(ROWS_PER_INSERT * 3).fill(0);
  /** Series that have (or had) non-numeric values: only their numeric writes must clear a typed value at the same time. */
  private readonly typedSeries = new Set<number>();
  private readonly stmts;
  readonly deadLetters: Store["deadLetters"];
  readonly records: Store["records"];
  readonly backend = "sqlite" as const;
  private readonly views: ContextViews;

  constructor(
    private readonly db: Db,
    readonly location: string,
    options: StoreOptions,
  ) {
    this.views = new ContextViews(this.rawContext, options.onContextError);
    this.context = this.views.context;
    this.deadLetters = sqliteDeadLetters(db, options.deadLetterCapacity);
    this.records = sqliteRecords(db);
    this.stmts = {
      insertSeries: db.prepare("INSERT INTO series(name, tags) VALUES (?, ?)"),
      upsertPoint: db.prepare("INSERT OR REPLACE INTO points(series_id, time, value) VALUES (?, ?, ?)"),
      // Rows are inserted in order, so a later duplicate (series, time) replaces an earlier one as single inserts would.
      upsertPoints: db.prepare(`INSERT OR REPLACE INTO points(series_id, time, value) VALUES ${Array.from({ length: ROWS_PER_INSERT }, () => "(?, ?, ?)").join(", ")}`),
      deletePoint: db.prepare("DELETE FROM points WHERE series_id = ? AND time = ?"),
      upsertValue: db.prepare("INSERT OR REPLACE INTO point_values(series_id, time, value) VALUES (?, ?, ?)"),
      deleteValue: db.prepare("DELETE FROM point_values WHERE series_id = ? AND time = ?"),
      latest: db.prepare("SELECT time, value FROM points WHERE series_id = ? ORDER BY time DESC LIMIT 1"),
      latestValue: db.prepare("SELECT time, value FROM point_values WHERE series_id = ? ORDER BY time DESC LIMIT 1"),
      revisionAdd: db.prepare(
        "INSERT INTO revisions(flow_id, revision, hash, time, author, message, document) VALUES (?, COALESCE(?, (SELECT COALESCE(MAX(revision), 0) + 1 FROM revisions WHERE flow_id = ?)), ?, ?, ?, ?, ?) RETURNING revision",
      ),
      revisionList: db.prepare("SELECT flow_id, revision, hash, time, author, message FROM revisions WHERE flow_id = ? ORDER BY revision"),
      revisionGet: db.prepare("SELECT * FROM revisions WHERE flow_id = ? AND revision = ?"),
      revisionLatest: db.prepare("SELECT * FROM revisions WHERE flow_id = ? ORDER BY revision DESC LIMIT 1"),
      ctxGet: db.prepare("SELECT value FROM context WHERE scope = ? AND key = ?"),
      ctxSet: db.prepare("INSERT OR REPLACE INTO context(scope, key, value) VALUES (?, ?, ?)"),
      ctxDelete: db.prepare("DELETE FROM context WHERE scope = ? AND key = ?"),
      ctxKeys: db.prepare("SELECT key FROM context WHERE scope = ? ORDER BY key"),
      ctxEntries: db.prepare("SELECT key, value FROM context WHERE scope = ? ORDER BY key").raw(true),
      ctxClear: db.prepare("DELETE FROM context WHERE scope = ?"),
      outPush: db.prepare("INSERT INTO outbox(name, time, item) VALUES (?, ?, ?)"),
      outPeek: db.prepare("SELECT id, time, item FROM outbox WHERE name = ? ORDER BY id LIMIT ?"),
      outAck: db.prepare("DELETE FROM outbox WHERE name = ? AND id <= ?"),
      outSize: db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE name = ?"),
      outDrop: db.prepare("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE name = ? ORDER BY id LIMIT ?)"),
      // Counting walks the (name, id) index only; the oldest item is the first by id, one lookup per outbox.
      outSummary: db.prepare(
        "SELECT name, COUNT(*) AS size, (SELECT time FROM outbox f WHERE f.name = o.name ORDER BY id LIMIT 1) AS oldest FROM outbox o GROUP BY name ORDER BY name",
      ),
    };
    this.loadSeries();
  }

  /** (Re)reads the series from the database: at open, and after a rollback that may have undone new ones. */
  private loadSeries(): void {
    this.seriesByName.clear();
    this.idByWrite.clear();
    for (const row of this.db.prepare("SELECT id, name, tags FROM series").all() as { id: number; name: string; tags: string }[]) {
      this.cacheSeries({ id: row.id, name: row.name, tags: JSON.parse(row.tags) as Tags }, row.tags);
    }
    this.typedSeries.clear();
    for (const row of this.db.prepare("SELECT DISTINCT series_id FROM point_values").all() as { series_id: number }[]) this.typedSeries.add(row.series_id);
  }

  private rolledBack<T>(run: () => T): T {
    try {
      return run();
    } catch (err) {
      this.loadSeries();
      throw err;
    }
  }

  private cacheSeries(row: SeriesRow, key: string): void {
    let byTags = this.seriesByName.get(row.name);
    if (!byTags) {
      byTags = new Map();
      this.seriesByName.set(row.name, byTags);
    }
    byTags.set(key, row);
  }

  private seriesId(name: string, tags: Tags | undefined): number {
    const known = this.idByWrite.get(name, tags);
    if (known !== undefined) return known;
    const id = this.seriesIdByKey(name, tags);
    this.idByWrite.set(name, tags, id);
    return id;
  }

  private seriesIdByKey(name: string, tags: Tags | undefined): number {
    const key = tagKey(tags);
    const hit = this.seriesByName.get(name)?.get(key);
    if (hit) return hit.id;
    checkSeriesLimits(name, tags);
    const id = Number(this.stmts.insertSeries.run(name, key).lastInsertRowid);
    this.cacheSeries({ id, name, tags: JSON.parse(key) as Tags }, key);
    return id;
  }

  private matchingSeries(name: string, tags: Tags | undefined): SeriesRow[] {
    const byTags = this.seriesByName.get(name);
    if (!byTags) return [];
    return [...byTags.values()].filter((s) => matchesTags(s.tags, tags));
  }

  private readonly writeBatch = (points: readonly TypedPoint[]): void => {
    const now = Date.now();
    this.pendingCount = 0;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      checkPointTime(p, now);
      const value = p.value;
      if (typeof value === "number") {
        if (!Number.isFinite(value)) continue;
        const id = this.seriesId(p.series, p.tags);
        const time = Math.round(p.time);
        // point_values only: independent of the rows still pending for points.
        if (this.typedSeries.has(id)) this.stmts.deleteValue.run(id, time);
        const n = this.pendingCount++;
        this.pendingIds[n] = id;
        this.pendingTimes[n] = time;
        this.pendingValues[n] = value;
      } else {
        // A typed value deletes the numeric point at its time: the numeric rows before it must be in first.
        this.insertPending();
        this.writeTyped(p);
      }
    }
    this.insertPending();
  };

  /**
   * Inserts the pending numeric rows in (series, time) order, many per statement. A statement of many rows keeps a
   * journal of the pages it changes (to undo just itself on error); in key order those are a few pages, which stay in
   * memory, where rows in arrival order touch a page per series and spill that journal to a temporary file.
   */
  private insertPending(): void {
    const count = this.pendingCount;
    if (count === 0) return;
    this.pendingCount = 0;
    const ids = this.pendingIds;
    const times = this.pendingTimes;
    const values = this.pendingValues;
    const order = this.pendingOrder;
    order.length = count;
    for (let i = 0; i < count; i++) order[i] = i;
    // Ties keep arrival order, so a later point at the same (series, time) still replaces an earlier one.
    order.sort((a, b) => ids[a]! - ids[b]! || times[a]! - times[b]! || a - b);
    const args = this.insertArgs;
    let i = 0;
    for (; i + ROWS_PER_INSERT <= count; i += ROWS_PER_INSERT) {
      for (let j = 0; j < ROWS_PER_INSERT; j++) {
        const row = order[i + j]!;
        args[j * 3] = ids[row]!;
        args[j * 3 + 1] = times[row]!;
        args[j * 3 + 2] = values[row]!;
      }
      this.stmts.upsertPoints.run(args);
    }
    for (; i < count; i++) {
      const row = order[i]!;
      this.stmts.upsertPoint.run(ids[row], times[row], values[row]);
    }
    // A rollup may write far more rows than a batch: that much is not kept around for the next write.
    if (count > 100_000) ids.length = times.length = values.length = order.length = 0;
  }

  private writeTyped(p: TypedPoint): void {
    const text = encodeValue(p.series, p.value);
    if (text === undefined) return;
    const id = this.seriesId(p.series, p.tags);
    const time = Math.round(p.time);
    this.stmts.upsertValue.run(id, time, text);
    this.stmts.deletePoint.run(id, time);
    this.typedSeries.add(id);
  }

  async writePoints(points: readonly TypedPoint[]): Promise<void> {
    if (points.length === 0) return;
    this.rolledBack(() => this.db.transaction(this.writeBatch)(points));
  }

  async latest(series: string, tags?: Tags): Promise<Point | undefined> {
    let best: Point | undefined;
    for (const s of this.matchingSeries(series, tags)) {
      const row = this.stmts.latest.get(s.id) as { time: number; value: number } | undefined;
      if (row && (!best || row.time > best.time)) best = { series, time: row.time, value: row.value, tags: s.tags };
    }
    return best;
  }

  async latestPerTagSet(series: string): Promise<Point[]> {
    const out: Point[] = [];
    for (const s of this.matchingSeries(series, undefined)) {
      const row = this.stmts.latest.get(s.id) as { time: number; value: number } | undefined;
      if (row) out.push({ series, time: row.time, value: row.value, tags: s.tags });
    }
    return out;
  }

  async latestValue(series: string, tags?: Tags): Promise<TypedPoint | undefined> {
    let best: TypedPoint | undefined;
    for (const s of this.matchingSeries(series, tags)) {
      const num = this.stmts.latest.get(s.id) as { time: number; value: number } | undefined;
      const typed = this.typedSeries.has(s.id) ? (this.stmts.latestValue.get(s.id) as { time: number; value: string } | undefined) : undefined;
      const row: { time: number; value: PointValue } | undefined =
        typed && (!num || typed.time > num.time) ? { time: typed.time, value: JSON.parse(typed.value) as PointValue } : num;
      if (row && (!best || row.time > best.time)) best = { series, time: row.time, value: row.value, tags: s.tags };
    }
    return best;
  }

  async rangeValues(query: RangeQuery): Promise<TypedPoint[]> {
    const series = this.matchingSeries(query.series, query.tags);
    if (series.length === 0) return [];
    const typed = series.filter((s) => this.typedSeries.has(s.id));
    if (typed.length === 0) return this.numericRange(query);
    const byId = new Map(series.map((s) => [s.id, s]));
    const order = query.order === "desc" ? "DESC" : "ASC";
    const limit = query.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(query.limit))}` : "";
    const marks = (n: number): string => Array.from({ length: n }, () => "?").join(",");
    const rows = this.db
      .prepare(
        `SELECT series_id, time, value, NULL AS json FROM points WHERE series_id IN (${marks(series.length)}) AND time >= ? AND time < ?
         UNION ALL SELECT series_id, time, NULL, value FROM point_values WHERE series_id IN (${marks(typed.length)}) AND time >= ? AND time < ?
         ORDER BY time ${order}${limit}`,
      )
      .all(...series.map((s) => s.id), query.from, query.to, ...typed.map((s) => s.id), query.from, query.to) as {
      series_id: number;
      time: number;
      value: number | null;
      json: string | null;
    }[];
    return rows.map((r) => ({
      series: query.series,
      time: r.time,
      value: r.json !== null ? (JSON.parse(r.json) as PointValue) : r.value!,
      tags: byId.get(r.series_id)!.tags,
    }));
  }

  async range(query: RangeQuery): Promise<Point[]> {
    return this.numericRange(query);
  }

  private numericRange(query: RangeQuery): Point[] {
    const series = this.matchingSeries(query.series, query.tags);
    if (series.length === 0) return [];
    const byId = new Map(series.map((s) => [s.id, s]));
    const order = query.order === "desc" ? "DESC" : "ASC";
    const limit = query.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(query.limit))}` : "";
    const rows = this.db
      .prepare(
        `SELECT series_id, time, value FROM points WHERE series_id IN (${series.map(() => "?").join(",")}) AND time >= ? AND time < ? ORDER BY time ${order}${limit}`,
      )
      .all(...series.map((s) => s.id), query.from, query.to) as { series_id: number; time: number; value: number }[];
    return rows.map((r) => ({ series: query.series, time: r.time, value: r.value, tags: byId.get(r.series_id)!.tags }));
  }

  async extreme(query: RangeQuery, which: "max" | "min"): Promise<Point | undefined> {
    let best: Point | undefined;
    const fn = which === "max" ? "MAX" : "MIN";
    for (const s of this.matchingSeries(query.series, query.tags)) {
      // SQLite fills the bare `time` column from the row that holds the MAX/MIN.
      const row = this.db.prepare(`SELECT time, ${fn}(value) AS value FROM points WHERE series_id = ? AND time >= ? AND time < ?`).get(s.id, query.from, query.to) as
        | { time: number | null; value: number | null }
        | undefined;
      if (!row || row.value === null || row.time === null) continue;
      if (!best || (which === "max" ? row.value > best.value : row.value < best.value)) best = { series: query.series, time: row.time, value: row.value, tags: s.tags };
    }
    return best;
  }

  async buckets(query: BucketQuery): Promise<Bucket[]> {
    return this.bucketsNow(query);
  }

  private bucketsNow(query: BucketQuery): Bucket[] {
    const series = this.matchingSeries(query.series, query.tags);
    if (series.length === 0 || query.every <= 0) return [];
    const every = Math.floor(query.every);
    const ids = series.map((s) => s.id);
    const where = `series_id IN (${ids.map(() => "?").join(",")}) AND time >= ? AND time < ?`;
    const args = [...ids, query.from, query.to];
    const columns: Partial<Record<Aggregate, string>> = { avg: "AVG(value)", min: "MIN(value)", max: "MAX(value)", sum: "SUM(value)", count: "COUNT(*)" };
    const plain = [...new Set(query.aggregates)].filter((a) => a in columns);
    // Raw rows (arrays) rather than objects: this runs over whole years of rollups.
    const select = [`series_id`, `(time / ${every}) * ${every}`, ...plain.map((a) => columns[a]!)].join(", ");
    const rows = this.db
      .prepare(`SELECT ${select} FROM points WHERE ${where} GROUP BY 1, 2`)
      .raw(true)
      .all(...args) as number[][];
    const byId = new Map(series.map((s) => [s.id, s]));
    const out = rows.map((r) => {
      const values: Partial<Record<Aggregate, number>> = {};
      for (let i = 0; i < plain.length; i++) values[plain[i]!] = r[i + 2]!;
      return { time: r[1]!, tags: byId.get(r[0]!)!.tags, values, id: r[0]! };
    });
    out.sort((a, b) => a.time - b.time || a.id - b.id);
    // SQLite returns the bare `value` of the row holding the single MIN/MAX(time) of each group.
    for (const [agg, fn] of [["first", "MIN"], ["last", "MAX"]] as const) {
      if (!query.aggregates.includes(agg)) continue;
      const edge = this.db
        .prepare(`SELECT series_id, (time / ${every}) * ${every} AS bucket, value, ${fn}(time) FROM points WHERE ${where} GROUP BY series_id, bucket`)
        .all(...args) as { series_id: number; bucket: number; value: number }[];
      const byKey = new Map(edge.map((e) => [`${e.series_id}:${e.bucket}`, e.value]));
      for (const b of out) b.values[agg] = byKey.get(`${b.id}:${b.time}`)!;
    }
    return out.map(({ id: _id, ...b }) => b);
  }

  async seriesNames(prefix?: string): Promise<{ series: string; tags: Tags }[]> {
    const out: { series: string; tags: Tags }[] = [];
    for (const [name, byTags] of this.seriesByName) {
      if (prefix && !name.startsWith(prefix)) continue;
      for (const s of byTags.values()) out.push({ series: name, tags: s.tags });
    }
    return out.sort((a, b) => a.series.localeCompare(b.series));
  }

  async listSeries(prefix?: string): Promise<SeriesInfo[]> {
    const like = prefix ? [prefix.replace(/[\\%_]/g, (c) => "\\" + c) + "%"] : [];
    // One grouped pass per table (each walks its own primary key), merged here: a UNION under the join would be materialised whole.
    const count = (table: "points" | "point_values") =>
      this.db
        .prepare(
          `SELECT s.id, s.name, s.tags, COUNT(p.time) AS n, MIN(p.time) AS first, MAX(p.time) AS last
           FROM series s JOIN ${table} p ON p.series_id = s.id ${prefix ? "WHERE s.name LIKE ? ESCAPE '\\'" : ""} GROUP BY s.id`,
        )
        .all(...like) as { id: number; name: string; tags: string; n: number; first: number; last: number }[];
    const byId = new Map<number, { name: string; tags: string; n: number; first: number; last: number }>();
    for (const r of count("points")) byId.set(r.id, r);
    if (this.typedSeries.size > 0) {
      for (const r of count("point_values")) {
        const have = byId.get(r.id);
        if (!have) byId.set(r.id, r);
        else Object.assign(have, { n: have.n + r.n, first: Math.min(have.first, r.first), last: Math.max(have.last, r.last) });
      }
    }
    return [...byId.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.tags < b.tags ? -1 : a.tags > b.tags ? 1 : 0))
      .map((r) => ({ series: r.name, tags: JSON.parse(r.tags) as Tags, points: r.n, first: r.first, last: r.last }));
  }

  async deleteOlderThan(series: string, before: number): Promise<number> {
    const ids: number[] = [];
    if (series.endsWith("*")) {
      const prefix = series.slice(0, -1);
      for (const [name, byTags] of this.seriesByName) if (name.startsWith(prefix)) for (const s of byTags.values()) ids.push(s.id);
    } else {
      for (const s of this.matchingSeries(series, undefined)) ids.push(s.id);
    }
    if (ids.length === 0) return 0;
    const where = `series_id IN (${ids.map(() => "?").join(",")}) AND time < ?`;
    const typed = ids.some((id) => this.typedSeries.has(id)) ? this.db.prepare(`DELETE FROM point_values WHERE ${where}`).run(...ids, before).changes : 0;
    return this.db.prepare(`DELETE FROM points WHERE ${where}`).run(...ids, before).changes + typed;
  }

  async rollup(spec: RollupSpec): Promise<number> {
    if (spec.every <= 0) return 0;
    const agg = spec.aggregate;
    return this.rolledBack(() =>
      this.db.transaction(() => {
        let written = 0;
        for (const name of spec.series) {
          const buckets = this.bucketsNow({ series: name, from: 0, to: spec.to, every: spec.every, aggregates: [agg] });
          this.writeBatch(buckets.map((b) => ({ series: `${spec.prefix}.${name}`, time: b.time, value: b.values[agg]!, tags: b.tags })));
          written += buckets.length;
        }
        return written;
      })(),
    );
  }

  readonly revisions: Store["revisions"] = {
    add: async (record) => {
      const { revision: wanted, ...rest } = record;
      try {
        const row = this.stmts.revisionAdd.get(
          rest.flowId,
          wanted ?? null,
          rest.flowId,
          rest.hash,
          rest.time,
          rest.author,
          rest.message,
          JSON.stringify(rest.document),
        ) as { revision: number };
        return { ...rest, revision: row.revision };
      } catch (err) {
        if (wanted !== undefined && (err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw new RevisionConflictError(rest.flowId, wanted);
        throw err;
      }
    },
    list: async (flowId) =>
      (this.stmts.revisionList.all(flowId) as RevisionRow[]).map((r) => ({
        flowId: r.flow_id,
        revision: r.revision,
        hash: r.hash,
        time: r.time,
        author: r.author,
        message: r.message,
      })),
    get: async (flowId, revision) => toRevision(this.stmts.revisionGet.get(flowId, revision) as RevisionRow | undefined),
    latest: async (flowId) => toRevision(this.stmts.revisionLatest.get(flowId) as RevisionRow | undefined),
  };

  private readonly applyContext = (changes: readonly { scope: string; key: string; json: string | undefined }[]): void => {
    for (const c of changes) {
      if (c.json === undefined) this.stmts.ctxDelete.run(c.scope, c.key);
      else this.stmts.ctxSet.run(c.scope, c.key, c.json);
    }
  };

  readonly context: Store["context"];

  private readonly rawContext: Store["context"] = {
    get: async <T>(scope: string, key: string): Promise<T | undefined> => {
      const row = this.stmts.ctxGet.get(scope, key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    set: async (scope, key, value) => {
      if (value === undefined) this.stmts.ctxDelete.run(scope, key);
      else this.stmts.ctxSet.run(scope, key, JSON.stringify(value));
    },
    delete: async (scope, key) => {
      this.stmts.ctxDelete.run(scope, key);
    },
    keys: async (scope) => (this.stmts.ctxKeys.all(scope) as { key: string }[]).map((r) => r.key),
    clear: async (scope) => {
      this.stmts.ctxClear.run(scope);
    },
    entries: async (scope) => this.stmts.ctxEntries.all(scope) as [string, string][],
    apply: async (changes) => {
      if (changes.length === 1) this.applyContext(changes);
      else if (changes.length > 1) this.db.transaction(this.applyContext)(changes);
    },
  };

  openContext(scope: string): Promise<ContextView> {
    return this.views.open(scope);
  }

  readonly outbox: Store["outbox"] = {
    push: async (name, items) => {
      const now = Date.now();
      this.db.transaction(() => {
        for (const item of items) this.stmts.outPush.run(name, now, JSON.stringify(item));
      })();
    },
    peek: async <T>(name: string, limit: number): Promise<OutboxItem<T>[]> =>
      (this.stmts.outPeek.all(name, limit) as { id: number; time: number; item: string }[]).map((r) => ({
        id: r.id,
        time: r.time,
        item: JSON.parse(r.item) as T,
      })),
    ack: async (name, lastId) => {
      this.stmts.outAck.run(name, lastId);
    },
    size: async (name) => (this.stmts.outSize.get(name) as { n: number }).n,
    dropOldest: async (name, count) => this.stmts.outDrop.run(name, count).changes,
    summary: async () => this.stmts.outSummary.all() as OutboxSummary[],
  };

  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.views.close();
    if (this.db.open) this.db.close();
  }
}

interface RevisionRow {
  flow_id: string;
  revision: number;
  hash: string;
  time: number;
  author: string;
  message: string;
  document?: string;
}

function toRevision(row: RevisionRow | undefined): RevisionRecord | undefined {
  if (!row) return undefined;
  return {
    flowId: row.flow_id,
    revision: row.revision,
    hash: row.hash,
    time: row.time,
    author: row.author,
    message: row.message,
    document: JSON.parse(row.document ?? "null") as unknown,
  };
}
