import pg from "pg";
import { ContextViews } from "./context-views.js";
import { DEFAULT_DEAD_LETTER_CAPACITY, keepableLetter, toLetter, type DeadLetterRow } from "./dead-letters.js";
import { migratePg, PARTITION_LOCK } from "./pg-schema.js";
import { pgRecords } from "./pg-records.js";
import { checkPointTime, checkSeriesLimits, encodeValue } from "./point-checks.js";
import { SeriesIdCache } from "./series-id-cache.js";
import { tagKey } from "./sqlite-store.js";
import {
  RevisionConflictError,
  type Aggregate,
  type Bucket,
  type BucketQuery,
  type ContextChange,
  type ContextView,
  type DeadLetter,
  type OutboxItem,
  type OutboxSummary,
  type Point,
  type PointValue,
  type RangeQuery,
  type RevisionRecord,
  type RollupSpec,
  type SeriesInfo,
  type Store,
  type Tags,
  type TypedPoint,
} from "./types.js";

export interface PgStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** A schema of its own (created when missing); default `public`. */
  schema?: string;
  /** Width of a points partition in ms (default one day): retention drops whole partitions older than its cut. */
  partitionMs?: number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Dead letters kept (newest first); default 10,000. */
  deadLetterCapacity?: number;
  /** A context write made through a view failed (default: a process warning). */
  onContextError?: (err: Error) => void;
}

const DAY = 86_400_000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** bigint (counts, times) as numbers: times are ms since the epoch, well inside 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

/** A connection string fit to show: without its password. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://…";
  }
}

/** Opens (and creates or migrates) the store in a PostgreSQL database. */
export async function openPgStore(options: PgStoreOptions): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`schema "${schema}": use lower-case letters, digits and _`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection that fails (the server restarted) must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  // Nor may one checked out for a transaction (the pool listens only to idle ones): its query fails instead.
  pool.on("connect", (client) => client.on("error", () => undefined));
  try {
    const client = await pool.connect();
    try {
      // IF NOT EXISTS does not hold against a runtime creating it at the same moment: its unique violation means "exists".
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((err: unknown) => { if (!isUniqueViolation(err)) throw err; });
      await migratePg(client);
    } finally {
      client.release();
    }
    const store = new PgStore(pool, safeUrl(options.url) + (schema ? ` (schema ${schema})` : ""), options);
    await store.loadPartitions();
    return store;
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`PostgreSQL store at ${safeUrl(options.url)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

interface SeriesRow {
  id: number;
  tags: Tags;
}

/** `LIKE` pattern for names starting with `prefix`. */
function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => "\\" + c) + "%";
}

function partitionName(index: number): string {
  return index < 0 ? `points_m${-index}` : `points_${index}`;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === "23505";
}

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    try {
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
  } finally {
    client.release();
  }
}

type Queryable = pg.Pool | pg.PoolClient;

class PgStore implements Store {
  readonly backend = "postgres" as const;
  readonly records: Store["records"];
  readonly context: Store["context"];
  private readonly views: ContextViews;
  private readonly partitionMs: number;
  /** Partition indexes known to exist (created here or found at open). */
  private readonly partitions = new Set<number>();
  /** Series ids by name and canonical tags: ids never change, so this cache never goes stale. */
  private readonly seriesIds = new Map<string, number>();
  /** The same ids by name and tags as written, so a write skips building the canonical key. */
  private readonly idByWrite = new SeriesIdCache();
  private readonly capacity: number;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    options: PgStoreOptions,
  ) {
    this.partitionMs = Math.max(60_000, Math.floor(options.partitionMs ?? DAY));
    this.capacity = options.deadLetterCapacity ?? DEFAULT_DEAD_LETTER_CAPACITY;
    this.records = pgRecords(pool);
    this.views = new ContextViews(this.rawContext, options.onContextError);
    this.context = this.views.context;
  }

  async loadPartitions(): Promise<void> {
    const { rows } = await this.pool.query<{ relname: string }>(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'points'::regclass",
    );
    for (const r of rows) {
      const m = /^points_(m?)(\d+)$/.exec(r.relname);
      if (m) this.partitions.add((m[1] ? -1 : 1) * Number(m[2]));
    }
  }

  /** Creates the partitions these times fall in; runtimes creating the same one at once take turns on a lock. */
  private async ensurePartitions(client: Queryable, times: Iterable<number>): Promise<void> {
    const missing = new Set<number>();
    for (const t of times) {
      const index = Math.floor(t / this.partitionMs);
      if (!this.partitions.has(index)) missing.add(index);
    }
    if (missing.size === 0) return;
    const create = async (c: Queryable): Promise<void> => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [PARTITION_LOCK]);
      for (const index of missing) {
        const from = index * this.partitionMs;
        await c.query(`CREATE TABLE IF NOT EXISTS ${partitionName(index)} PARTITION OF points FOR VALUES FROM (${from}) TO (${from + this.partitionMs})`);
      }
    };
    if (client instanceof pg.Pool) await inTransaction(this.pool, create);
    else await create(client); // already inside the caller's transaction
    for (const index of missing) this.partitions.add(index);
  }

  /** Ids of the series named in a batch, creating the new ones in one statement. */
  private async seriesIdsFor(client: Queryable, wanted: Map<string, { name: string; key: string; tags: Tags | undefined }>): Promise<void> {
    const fresh = [...wanted.entries()].filter(([k]) => !this.seriesIds.has(k));
    if (fresh.length === 0) return;
    for (const [, s] of fresh) checkSeriesLimits(s.name, s.tags);
    // DO UPDATE (a no-op) rather than DO NOTHING, so a series another runtime created is returned too.
    const { rows } = await client.query<{ id: number; name: string; tag_key: string }>({
      name: "wattflow-series-upsert",
      text: `INSERT INTO series (name, tag_key, tags) SELECT n, k, k::jsonb FROM unnest($1::text[], $2::text[]) AS u(n, k)
             ON CONFLICT (name, tag_key) DO UPDATE SET name = EXCLUDED.name RETURNING id, name, tag_key`,
      values: [fresh.map(([, s]) => s.name), fresh.map(([, s]) => s.key)],
    });
    for (const r of rows) this.seriesIds.set(`${r.name}\u0000${r.tag_key}`, r.id);
  }

  private async insertPoints(client: Queryable, points: readonly TypedPoint[]): Promise<void> {
    const ids: number[] = [];
    const times: number[] = [];
    const values: (number | null)[] = [];
    let jsons: (string | null)[] | null = null;
    /** Rows whose series is new to this process, by name and canonical tags, resolved after the series upsert. */
    const unresolved = new Map<string, { name: string; key: string; tags: Tags | undefined; rows: number[]; given: (Tags | undefined)[] }>();
    const now = Date.now();
    for (const p of points) {
      // Also bounds the partitions a batch can create: each day of time is a table (see MAX_FUTURE_MS).
      checkPointTime(p, now);
      let json: string | null = null;
      if (typeof p.value === "number") {
        if (!Number.isFinite(p.value)) continue;
      } else {
        const text = encodeValue(p.series, p.value);
        if (text === undefined) continue;
        json = text;
        jsons ??= new Array<string | null>(ids.length).fill(null);
      }
      const id = this.idByWrite.get(p.series, p.tags);
      const row = ids.length;
      if (id === undefined) {
        const key = tagKey(p.tags);
        const wanted = `${p.series}\u0000${key}`;
        let u = unresolved.get(wanted);
        if (!u) unresolved.set(wanted, (u = { name: p.series, key, tags: p.tags, rows: [], given: [] }));
        u.rows.push(row);
        u.given.push(p.tags);
      }
      ids.push(id ?? 0);
      times.push(Math.round(p.time));
      values.push(json === null ? (p.value as number) : null);
      jsons?.push(json);
    }
    if (ids.length === 0) return;
    if (unresolved.size > 0) {
      await this.seriesIdsFor(client, unresolved);
      for (const [wanted, u] of unresolved) {
        const id = this.seriesIds.get(wanted)!;
        for (const r of u.rows) ids[r] = id;
        // The same tags in another order are another path to the same id.
        for (const tags of u.given) this.idByWrite.set(u.name, tags, id);
      }
    }
    await this.ensurePartitions(client, times);
    const upsert = (rows: { ids: number[]; times: number[]; values: (number | null)[]; jsons: (string | null)[] | null }) =>
      rows.jsons === null
        ? // Numbers only (the usual batch): no jsonb column to send, which PostgreSQL takes markedly faster.
          client.query({
            name: "wattflow-points-upsert-numbers",
            text: `INSERT INTO points (series_id, time, value) SELECT * FROM unnest($1::integer[], $2::bigint[], $3::double precision[])
                   ON CONFLICT (series_id, time) DO UPDATE SET value = EXCLUDED.value, json = NULL`,
            values: [rows.ids, rows.times, rows.values],
          })
        : client.query({
            name: "wattflow-points-upsert",
            text: `INSERT INTO points (series_id, time, value, json) SELECT * FROM unnest($1::integer[], $2::bigint[], $3::double precision[], $4::json[])
                   ON CONFLICT (series_id, time) DO UPDATE SET value = EXCLUDED.value, json = EXCLUDED.json`,
            values: [rows.ids, rows.times, rows.values, rows.jsons],
          });
    const insideTransaction = !(client instanceof pg.Pool);
    // A statement may not touch a row twice; batches rarely hold the same (series, time) twice, so that is
    // handled when PostgreSQL says so (21000) rather than checked on every batch. Inside a transaction the
    // failed statement would abort it, so there the batch is made unique first.
    if (!insideTransaction) {
      try {
        await upsert({ ids, times, values, jsons });
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== "21000") throw err;
      }
    }
    // The last point at a (series, time) wins, as it would one by one.
    const last = new Map<string, number>();
    for (let r = 0; r < ids.length; r++) last.set(`${ids[r]}:${times[r]}`, r);
    const keep = [...last.values()].sort((a, b) => a - b);
    await upsert({ ids: keep.map((r) => ids[r]!), times: keep.map((r) => times[r]!), values: keep.map((r) => values[r]!), jsons: jsons && keep.map((r) => jsons![r]!) });
  }

  async writePoints(points: readonly TypedPoint[]): Promise<void> {
    if (points.length === 0) return;
    try {
      await this.insertPoints(this.pool, points);
    } catch (err) {
      // 23514: no partition for a row, because another runtime's retention dropped one we knew of. Look again, once.
      if ((err as { code?: string }).code !== "23514") throw err;
      this.partitions.clear();
      await this.loadPartitions();
      await this.insertPoints(this.pool, points);
    }
  }

  /** Series of a name whose tags include `tags`. */
  private async matching(name: string, tags: Tags | undefined): Promise<SeriesRow[]> {
    const { rows } = await this.pool.query<SeriesRow>({
      name: "wattflow-series-match",
      text: "SELECT id, tags FROM series WHERE name = $1 AND tags @> $2::jsonb ORDER BY id",
      values: [name, tagKey(tags)],
    });
    return rows;
  }

  private async latestOf(series: string, tags: Tags | undefined, numeric: boolean): Promise<TypedPoint | undefined> {
    const { rows } = await this.pool.query<{ tags: Tags; time: number; value: number | null; json: PointValue | null }>({
      name: numeric ? "wattflow-latest-number" : "wattflow-latest-value",
      text: `SELECT s.tags, l.time, l.value, l.json FROM series s CROSS JOIN LATERAL
               (SELECT time, value, json FROM points p WHERE p.series_id = s.id ${numeric ? "AND value IS NOT NULL" : ""} ORDER BY time DESC LIMIT 1) l
             WHERE s.name = $1 AND s.tags @> $2::jsonb ORDER BY l.time DESC, s.id LIMIT 1`,
      values: [series, tagKey(tags)],
    });
    const r = rows[0];
    return r ? { series, time: r.time, value: r.value ?? r.json!, tags: r.tags } : undefined;
  }

  async latest(series: string, tags?: Tags): Promise<Point | undefined> {
    return (await this.latestOf(series, tags, true)) as Point | undefined;
  }

  async latestValue(series: string, tags?: Tags): Promise<TypedPoint | undefined> {
    return this.latestOf(series, tags, false);
  }

  async latestPerTagSet(series: string): Promise<Point[]> {
    const { rows } = await this.pool.query<{ tags: Tags; time: number; value: number }>({
      name: "wattflow-latest-per-tag-set",
      text: `SELECT s.tags, l.time, l.value FROM series s CROSS JOIN LATERAL
               (SELECT time, value FROM points p WHERE p.series_id = s.id AND value IS NOT NULL ORDER BY time DESC LIMIT 1) l
             WHERE s.name = $1 ORDER BY s.id`,
      values: [series],
    });
    return rows.map((r) => ({ series, time: r.time, value: r.value, tags: r.tags }));
  }

  private async rangeOf(query: RangeQuery, numeric: boolean): Promise<TypedPoint[]> {
    const series = await this.matching(query.series, query.tags);
    if (series.length === 0) return [];
    const byId = new Map(series.map((s) => [s.id, s.tags]));
    const order = query.order === "desc" ? "DESC" : "ASC";
    const limit = query.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(query.limit))}` : "";
    const { rows } = await this.pool.query<{ series_id: number; time: number; value: number | null; json: PointValue | null }>(
      `SELECT series_id, time, value, json FROM points WHERE series_id = ANY($1::integer[]) AND time >= $2 AND time < $3
       ${numeric ? "AND value IS NOT NULL" : ""} ORDER BY time ${order}, series_id${limit}`,
      [series.map((s) => s.id), Math.floor(query.from), Math.ceil(Math.min(query.to, Number.MAX_SAFE_INTEGER))],
    );
    return rows.map((r) => ({ series: query.series, time: r.time, value: r.value ?? r.json!, tags: byId.get(r.series_id)! }));
  }

  async range(query: RangeQuery): Promise<Point[]> {
    return (await this.rangeOf(query, true)) as Point[];
  }

  async rangeValues(query: RangeQuery): Promise<TypedPoint[]> {
    return this.rangeOf(query, false);
  }

  async extreme(query: RangeQuery, which: "max" | "min"): Promise<Point | undefined> {
    const series = await this.matching(query.series, query.tags);
    if (series.length === 0) return undefined;
    const { rows } = await this.pool.query<{ series_id: number; time: number; value: number }>(
      `SELECT series_id, time, value FROM points WHERE series_id = ANY($1::integer[]) AND time >= $2 AND time < $3 AND value IS NOT NULL
       ORDER BY value ${which === "max" ? "DESC" : "ASC"}, series_id, time LIMIT 1`,
      [series.map((s) => s.id), Math.floor(query.from), Math.ceil(Math.min(query.to, Number.MAX_SAFE_INTEGER))],
    );
    const r = rows[0];
    return r ? { series: query.series, time: r.time, value: r.value, tags: series.find((s) => s.id === r.series_id)!.tags } : undefined;
  }

  /** Buckets of numeric points, aggregated in SQL (`first`/`last` by time within the bucket). */
  private async bucketsOf(client: Queryable, query: BucketQuery): Promise<(Bucket & { seriesId: number })[]> {
    const series = await this.matching(query.series, query.tags);
    if (series.length === 0 || query.every <= 0) return [];
    const every = Math.floor(query.every);
    const columns: Record<Aggregate, string> = {
      avg: "avg(value)",
      min: "min(value)",
      max: "max(value)",
      sum: "sum(value)",
      count: "count(*)",
      first: "(array_agg(value ORDER BY time))[1]",
      last: "(array_agg(value ORDER BY time DESC))[1]",
    };
    const aggs = [...new Set(query.aggregates)].filter((a) => a in columns);
    const select = aggs.map((a, i) => `${columns[a]} AS a${i}`);
    const { rows } = await client.query<Record<string, number>>(
      `SELECT series_id, (time / ${every}) * ${every} AS bucket${select.length ? ", " + select.join(", ") : ""}
       FROM points WHERE series_id = ANY($1::integer[]) AND time >= $2 AND time < $3 AND value IS NOT NULL
       GROUP BY 1, 2 ORDER BY 2, 1`,
      [series.map((s) => s.id), Math.floor(query.from), Math.ceil(Math.min(query.to, Number.MAX_SAFE_INTEGER))],
    );
    const byId = new Map(series.map((s) => [s.id, s.tags]));
    return rows.map((r) => {
      const values: Partial<Record<Aggregate, number>> = {};
      aggs.forEach((a, i) => (values[a] = Number(r[`a${i}`])));
      return { time: r.bucket!, tags: byId.get(r.series_id!)!, values, seriesId: r.series_id! };
    });
  }

  async buckets(query: BucketQuery): Promise<Bucket[]> {
    return (await this.bucketsOf(this.pool, query)).map(({ seriesId: _id, ...b }) => b);
  }

  async seriesNames(prefix?: string): Promise<{ series: string; tags: Tags }[]> {
    const { rows } = prefix
      ? await this.pool.query<{ name: string; tags: Tags }>("SELECT name, tags FROM series WHERE name LIKE $1 ESCAPE '\\' ORDER BY id", [likePrefix(prefix)])
      : await this.pool.query<{ name: string; tags: Tags }>("SELECT name, tags FROM series ORDER BY id");
    return rows.map((r) => ({ series: r.name, tags: r.tags })).sort((a, b) => a.series.localeCompare(b.series));
  }

  async listSeries(prefix?: string): Promise<SeriesInfo[]> {
    const { rows } = await this.pool.query<{ name: string; tags: Tags; n: number; first: number; last: number }>(
      `SELECT s.name, s.tags, count(*) AS n, min(p.time) AS first, max(p.time) AS last FROM series s JOIN points p ON p.series_id = s.id
       ${prefix ? "WHERE s.name LIKE $1 ESCAPE '\\'" : ""} GROUP BY s.id, s.name, s.tags, s.tag_key ORDER BY s.name COLLATE "C", s.tag_key COLLATE "C"`,
      prefix ? [likePrefix(prefix)] : [],
    );
    return rows.map((r) => ({ series: r.name, tags: r.tags, points: r.n, first: r.first, last: r.last }));
  }

  /**
   * Partitions wholly before the cut that hold only the series being pruned
   * are dropped whole (no row-by-row delete, no bloat); in the others, and
   * in the partition the cut falls in, only those series' rows are deleted.
   */
  async deleteOlderThan(series: string, before: number): Promise<number> {
    const { rows } = series.endsWith("*")
      ? await this.pool.query<{ id: number }>("SELECT id FROM series WHERE name LIKE $1 ESCAPE '\\'", [likePrefix(series.slice(0, -1))])
      : await this.pool.query<{ id: number }>("SELECT id FROM series WHERE name = $1", [series]);
    const ids = rows.map((r) => r.id);
    if (ids.length === 0 || !Number.isFinite(before)) return 0;
    const cut = Math.floor(before);
    let removed = 0;
    const whole = [...this.partitions].filter((i) => (i + 1) * this.partitionMs <= cut).sort((a, b) => a - b);
    for (const index of whole) {
      const name = partitionName(index);
      removed += await inTransaction(this.pool, async (c) => {
        // Dropping a partition locks the parent too. A query locks the parent and then the partitions, so
        // taking the partition first could deadlock with it: the parent is locked first (held for the few
        // milliseconds of the drop; queries and writes wait, none fails).
        await c.query("LOCK TABLE points IN ACCESS EXCLUSIVE MODE");
        // Whoever else writes into or drops this partition waits for us.
        await c.query(`LOCK TABLE ${name} IN ACCESS EXCLUSIVE MODE`).catch((err: unknown) => {
          if ((err as { code?: string }).code === "42P01") return null; // dropped meanwhile by another runtime
          throw err;
        });
        const exists = (await c.query("SELECT to_regclass($1) AS t", [name])).rows[0]?.t;
        if (!exists) return 0;
        const others = await c.query(`SELECT 1 FROM ${name} WHERE NOT (series_id = ANY($1::integer[])) LIMIT 1`, [ids]);
        if (others.rowCount === 0) {
          const n = (await c.query<{ n: number }>(`SELECT count(*) AS n FROM ${name}`)).rows[0]!.n;
          await c.query(`DROP TABLE ${name}`);
          this.partitions.delete(index);
          return n;
        }
        return (await c.query(`DELETE FROM ${name} WHERE series_id = ANY($1::integer[])`, [ids])).rowCount ?? 0;
      });
    }
    // The boundary partition (and anything not in a whole partition): rows only.
    const rest = await this.pool.query("DELETE FROM points WHERE series_id = ANY($1::integer[]) AND time < $2", [ids, cut]);
    return removed + (rest.rowCount ?? 0);
  }

  /** How many points partitions exist (for tests and health: retention drops them). */
  async partitionCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>("SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'points'::regclass");
    return rows[0]!.n;
  }

  async rollup(spec: RollupSpec): Promise<number> {
    if (spec.every <= 0 || spec.series.length === 0) return 0;
    return inTransaction(this.pool, async (client) => {
      let written = 0;
      for (const name of spec.series) {
        const buckets = await this.bucketsOf(client, { series: name, from: 0, to: spec.to, every: spec.every, aggregates: [spec.aggregate] });
        await this.insertPoints(
          client,
          buckets.map((b) => ({ series: `${spec.prefix}.${name}`, time: b.time, value: b.values[spec.aggregate]!, tags: b.tags })),
        );
        written += buckets.length;
      }
      return written;
    });
  }

  readonly revisions: Store["revisions"] = {
    add: async (record) => {
      const { revision: wanted, ...rest } = record;
      const insert = (revision: number | null) =>
        this.pool.query<{ revision: number }>({
          name: "wattflow-revision-add",
          text: `INSERT INTO revisions (flow_id, revision, hash, time, author, message, document)
                 VALUES ($1, COALESCE($2::integer, (SELECT COALESCE(MAX(revision), 0) + 1 FROM revisions WHERE flow_id = $1)), $3, $4, $5, $6, $7) RETURNING revision`,
          values: [rest.flowId, revision, rest.hash, rest.time, rest.author, rest.message, JSON.stringify(rest.document)],
        });
      for (let attempt = 0; ; attempt++) {
        try {
          const { rows } = await insert(wanted ?? null);
          return { ...rest, revision: rows[0]!.revision };
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          if (wanted !== undefined) throw new RevisionConflictError(rest.flowId, wanted);
          // No number asked for: another deploy took the next one between our read and write; take the one after.
          if (attempt >= 5) throw err;
        }
      }
    },
    list: async (flowId) => {
      const { rows } = await this.pool.query<{ revision: number; hash: string; time: number; author: string; message: string }>(
        "SELECT revision, hash, time, author, message FROM revisions WHERE flow_id = $1 ORDER BY revision",
        [flowId],
      );
      return rows.map((r) => ({ flowId, ...r }));
    },
    get: async (flowId, revision) => {
      const { rows } = await this.pool.query("SELECT * FROM revisions WHERE flow_id = $1 AND revision = $2", [flowId, revision]);
      return toRevision(rows[0] as RevisionRow | undefined);
    },
    latest: async (flowId) => {
      const { rows } = await this.pool.query("SELECT * FROM revisions WHERE flow_id = $1 ORDER BY revision DESC LIMIT 1", [flowId]);
      return toRevision(rows[0] as RevisionRow | undefined);
    },
  };

  private readonly rawContext: Store["context"] = {
    get: async <T>(scope: string, key: string): Promise<T | undefined> => {
      const { rows } = await this.pool.query<{ value: string }>("SELECT value FROM context WHERE scope = $1 AND key = $2", [scope, key]);
      return rows[0] ? (JSON.parse(rows[0].value) as T) : undefined;
    },
    set: async (scope, key, value) => {
      if (value === undefined) await this.pool.query("DELETE FROM context WHERE scope = $1 AND key = $2", [scope, key]);
      else await this.pool.query("INSERT INTO context (scope, key, value) VALUES ($1, $2, $3) ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value", [scope, key, JSON.stringify(value)]);
    },
    delete: async (scope, key) => {
      await this.pool.query("DELETE FROM context WHERE scope = $1 AND key = $2", [scope, key]);
    },
    keys: async (scope) => (await this.pool.query<{ key: string }>("SELECT key FROM context WHERE scope = $1 ORDER BY key COLLATE \"C\"", [scope])).rows.map((r) => r.key),
    clear: async (scope) => {
      await this.pool.query("DELETE FROM context WHERE scope = $1", [scope]);
    },
    entries: async (scope) =>
      (await this.pool.query<{ key: string; value: string }>("SELECT key, value FROM context WHERE scope = $1", [scope])).rows.map((r) => [r.key, r.value] as [string, string]),
    apply: async (changes: readonly ContextChange[]) => {
      if (changes.length === 0) return;
      // The last change of a key is its outcome: sets and deletes are then disjoint and go in one statement each.
      const last = new Map<string, ContextChange>();
      for (const c of changes) last.set(`${c.scope}\u0000${c.key}`, c);
      const sets = [...last.values()].filter((c) => c.json !== undefined);
      const deletes = [...last.values()].filter((c) => c.json === undefined);
      await inTransaction(this.pool, async (client) => {
        if (sets.length > 0) {
          await client.query({
            name: "wattflow-context-set",
            text: `INSERT INTO context (scope, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
                   ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value`,
            values: [sets.map((c) => c.scope), sets.map((c) => c.key), sets.map((c) => c.json)],
          });
        }
        if (deletes.length > 0) {
          await client.query({
            name: "wattflow-context-delete",
            text: "DELETE FROM context WHERE (scope, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
            values: [deletes.map((c) => c.scope), deletes.map((c) => c.key)],
          });
        }
      });
    },
  };

  openContext(scope: string): Promise<ContextView> {
    return this.views.open(scope);
  }

  readonly outbox: Store["outbox"] = {
    push: async (name, items) => {
      if (items.length === 0) return;
      await this.pool.query({
        name: "wattflow-outbox-push",
        text: "INSERT INTO outbox (name, time, item) SELECT $1, $2, item FROM unnest($3::text[]) WITH ORDINALITY AS u(item, n) ORDER BY n",
        values: [name, Date.now(), items.map((i) => JSON.stringify(i))],
      });
    },
    peek: async <T>(name: string, limit: number): Promise<OutboxItem<T>[]> => {
      const { rows } = await this.pool.query<{ id: number; time: number; item: string }>({
        name: "wattflow-outbox-peek",
        text: "SELECT id, time, item FROM outbox WHERE name = $1 ORDER BY id LIMIT $2",
        values: [name, Math.max(0, Math.floor(limit))],
      });
      return rows.map((r) => ({ id: r.id, time: r.time, item: JSON.parse(r.item) as T }));
    },
    ack: async (name, lastId) => {
      await this.pool.query("DELETE FROM outbox WHERE name = $1 AND id <= $2", [name, lastId]);
    },
    size: async (name) => (await this.pool.query<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE name = $1", [name])).rows[0]!.n,
    dropOldest: async (name, count) =>
      (await this.pool.query("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE name = $1 ORDER BY id LIMIT $2)", [name, Math.max(0, Math.floor(count))])).rowCount ?? 0,
    summary: async () =>
      (
        await this.pool.query<OutboxSummary>(
          `SELECT name, count(*) AS size, (SELECT time FROM outbox f WHERE f.name = o.name ORDER BY id LIMIT 1) AS oldest
           FROM outbox o GROUP BY name ORDER BY name COLLATE "C"`,
        )
      ).rows,
  };

  readonly deadLetters: Store["deadLetters"] = {
    add: async (letter) => {
      const l = keepableLetter(letter);
      const { rows } = await this.pool.query<{ id: number }>(
        `INSERT INTO dead_letters (time, flow_id, node_id, source, reason, size, preview, preview_encoding)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [l.time, l.flowId, l.nodeId, l.source, l.reason, l.size, l.preview, l.previewEncoding],
      );
      const id = rows[0]!.id;
      // Ids only grow, so everything at or below newest - capacity is older than the newest `capacity`.
      if (id > this.capacity) await this.pool.query("DELETE FROM dead_letters WHERE id <= $1", [id - this.capacity]);
    },
    list: async (query = {}) => {
      const limit = Math.min(10_000, Math.max(0, Math.floor(query.limit ?? 100)));
      const { rows } =
        query.flowId !== undefined
          ? await this.pool.query("SELECT * FROM dead_letters WHERE flow_id = $1 ORDER BY id DESC LIMIT $2", [query.flowId, limit])
          : await this.pool.query("SELECT * FROM dead_letters ORDER BY id DESC LIMIT $1", [limit]);
      return (rows as DeadLetterRow[]).map(toLetter);
    },
    count: async (flowId) =>
      (flowId !== undefined
        ? await this.pool.query<{ n: number }>("SELECT count(*) AS n FROM dead_letters WHERE flow_id = $1", [flowId])
        : await this.pool.query<{ n: number }>("SELECT count(*) AS n FROM dead_letters")
      ).rows[0]!.n,
    clear: async (flowId) =>
      (flowId !== undefined ? await this.pool.query("DELETE FROM dead_letters WHERE flow_id = $1", [flowId]) : await this.pool.query("DELETE FROM dead_letters")).rowCount ?? 0,
  };

  async close(): Promise<void> {
    if (this.closed) return;
    await this.views.close();
    this.closed = true;
    await this.pool.end();
  }
}

interface RevisionRow {
  flow_id: string;
  revision: number;
  hash: string;
  time: number;
  author: string;
  message: string;
  document: unknown;
}

function toRevision(row: RevisionRow | undefined): RevisionRecord | undefined {
  if (!row) return undefined;
  return { flowId: row.flow_id, revision: row.revision, hash: row.hash, time: row.time, author: row.author, message: row.message, document: row.document };
}

