/** The store's public contract (SQLite embedded, or PostgreSQL). Nodes reach it through `node.store`. */

export type Tags = Readonly<Record<string, string>>;

export interface Point {
  /** Series name, e.g. `solar.pv_power`. */
  series: string;
  /** Milliseconds since the Unix epoch. */
  time: number;
  value: number;
  tags?: Tags;
}

/** A JSON value as it round-trips through the store. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What one point of a series holds: a number (the only kind aggregations
 * read), or a boolean, a string or a small JSON object or array, kept as sent.
 */
export type PointValue = number | boolean | string | JsonValue[] | { [key: string]: JsonValue };

/** A point of any value type; a `Point` (numeric) is one too. */
export interface TypedPoint {
  series: string;
  /** Milliseconds since the Unix epoch. */
  time: number;
  value: PointValue;
  tags?: Tags;
}

/**
 * Longest series name, tag name and tag value the store accepts. Untrusted
 * keys (a device's JSON) must not become unbounded names; a write that breaks
 * a limit fails with an error naming the series. A non-numeric point value
 * is at most `valueBytes` of JSON; a record body at most `recordBytes`.
 */
export const STORE_LIMITS = { seriesName: 200, tagName: 64, tagValue: 256, valueBytes: 4096, collectionName: 200, recordKey: 256, recordBytes: 1_000_000 } as const;

export type Aggregate = "avg" | "min" | "max" | "sum" | "count" | "first" | "last";

export interface RangeQuery {
  series: string;
  /** Inclusive lower bound, ms epoch. */
  from: number;
  /** Exclusive upper bound, ms epoch. */
  to: number;
  /** Only points whose tags include every pair given here. */
  tags?: Tags;
  limit?: number;
  order?: "asc" | "desc";
}

export interface BucketQuery extends RangeQuery {
  /** Bucket width in ms; buckets are aligned to multiples of it since the epoch. */
  every: number;
  aggregates: readonly Aggregate[];
}

export interface Bucket {
  /** Bucket start, ms epoch. */
  time: number;
  tags: Tags;
  values: Partial<Record<Aggregate, number>>;
}

export interface SeriesInfo {
  series: string;
  tags: Tags;
  points: number;
  first: number;
  last: number;
}

export interface RevisionRecord {
  flowId: string;
  /** Monotonic per flow, starting at 1. */
  revision: number;
  /** sha256 of the canonical flow document. */
  hash: string;
  time: number;
  author: string;
  message: string;
  /** The flow document as deployed (never with secrets filled in). */
  document: unknown;
}

export interface OutboxItem<T = unknown> {
  id: number;
  time: number;
  item: T;
}

/** One outbox as a scrape sees it. */
export interface OutboxSummary {
  name: string;
  size: number;
  /** Time the oldest item was pushed (ms epoch). */
  oldest: number;
}

/** A message refused at ingress or whose handling failed, parked for a person to look at. */
export interface DeadLetter {
  /** Increasing: a later letter has a larger id. */
  id: number;
  /** Milliseconds since the Unix epoch. */
  time: number;
  flowId: string;
  nodeId: string;
  /** Where it came from: an MQTT topic, a TCP client and line, a path. */
  source: string;
  reason: string;
  /** Size of the whole payload in bytes (the preview may be shorter). */
  size: number;
  /** The start of the payload (about 1 KB): as text when it was text, else base64. */
  preview: string;
  previewEncoding: "text" | "base64";
}

export interface DeadLetterQuery {
  flowId?: string;
  /** At most this many, newest first (default 100). */
  limit?: number;
}

/**
 * A document kept in a collection: an event, a decision, a preference, an
 * alert. Indexed by time and tags; the body is any JSON value.
 */
export interface NewRecord {
  collection: string;
  /** Milliseconds since the Unix epoch. */
  time: number;
  tags?: Tags;
  body: JsonValue;
  /** Unique within the collection: a record with the key of an existing one replaces it. */
  key?: string;
}

export interface StoredRecord {
  /** Increasing: a later record has a larger id. */
  id: number;
  collection: string;
  time: number;
  tags: Tags;
  body: JsonValue;
  key?: string;
}

export interface RecordQuery {
  collection: string;
  /** Inclusive lower bound, ms epoch. */
  from?: number;
  /** Exclusive upper bound, ms epoch. */
  to?: number;
  /** Only records whose tags include every pair given here. */
  tags?: Tags;
  /**
   * Only records whose body has these values at these dotted paths
   * (`{ "status": "open", "device.id": "hp1" }`); a string also matches a number written the same way.
   */
  fields?: Readonly<Record<string, string | number | boolean>>;
  /** Newest first unless `asc`. */
  order?: "asc" | "desc";
  /** 1-based page of `pageSize` records (ignored with a cursor). */
  page?: number;
  /** Records per page (default 100). */
  pageSize?: number;
  /** Continue after the last record of an earlier page (its `next`). */
  cursor?: string;
}

export interface RecordPage {
  /** Records matching the query, all pages together. */
  count: number;
  records: StoredRecord[];
  /** Cursor of the page after this one; absent on the last page. */
  next?: string;
}

export interface RecordStore {
  /** Adds records in one transaction and returns them with their ids. */
  add(records: readonly NewRecord[]): Promise<StoredRecord[]>;
  /** The record of a collection with this key. */
  get(collection: string, key: string): Promise<StoredRecord | undefined>;
  query(query: RecordQuery): Promise<RecordPage>;
  /** Removes the record with this key; true when there was one. */
  remove(collection: string, key: string): Promise<boolean>;
  /** Deletes records older than `before` (ms epoch) in a collection (exact, or a prefix ending in `*`). Returns how many. */
  deleteOlderThan(collection: string, before: number): Promise<number>;
}

/** Rolls the points of whole buckets up into a coarser tier (see `Store.rollup`). */
export interface RollupSpec {
  /** Exact series names to roll up. */
  series: readonly string[];
  /** Bucket width in ms (buckets aligned to multiples of it since the epoch). */
  every: number;
  /** Exclusive end of what is rolled up, ms epoch; a multiple of `every`, so only whole buckets are written. */
  to: number;
  aggregate: "avg" | "min" | "max" | "sum" | "last";
  /** The tier's series are `<prefix>.<series>`, with the tags of the source. */
  prefix: string;
}

/** One change of a context key: `json` is the value's JSON text, or undefined to delete the key. */
export interface ContextChange {
  scope: string;
  key: string;
  json: string | undefined;
}

/**
 * A scope's context with synchronous reads and writes (what nodes and
 * function code get as `context`, `flow` and `global`).
 */
export interface ContextView {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  keys(): string[];
}

/** A new revision was refused because another deploy took its number first (a race between deploys). */
export class RevisionConflictError extends Error {
  override name = "RevisionConflictError";
  constructor(
    readonly flowId: string,
    /** The revision that was asked for and is taken. */
    readonly revision: number,
  ) {
    super(`flow ${flowId}: revision ${revision} was recorded by another deploy first`);
  }
}

/** Which implementation a store is, for health and metrics. */
export type StoreBackend = "sqlite" | "postgres";

/**
 * The store's contract. Every operation is asynchronous, so one interface
 * fits an embedded database (SQLite, which answers at once) and a server
 * (PostgreSQL). Operations that must be atomic are named for what they do
 * (`rollup`, `context.apply`, `records.add`) rather than a generic
 * transaction callback, which a database across a socket cannot run.
 */
export interface Store {
  readonly backend: StoreBackend;
  /** Where the data is, for a person: a file path, or a server URL without its password. */
  readonly location: string;
  /**
   * Writes all points in one transaction. A point at an existing (series,
   * tags, time) replaces it, whatever the types. Numbers are what
   * aggregations read; booleans, strings and JSON values are kept as sent.
   * The whole batch is refused, naming the series, for a point whose time is
   * not within the Date range or is more than 7 days ahead of the clock, or
   * that holds a NUL character (see `checkPoint` to check points first).
   */
  writePoints(points: readonly TypedPoint[]): Promise<void>;
  /** Latest numeric point of a series; with `tags`, of the series matching them. */
  latest(series: string, tags?: Tags): Promise<Point | undefined>;
  /** Latest numeric point of every tag set of a series. */
  latestPerTagSet(series: string): Promise<Point[]>;
  /** Numeric points of a range (values of other types are left out). */
  range(query: RangeQuery): Promise<Point[]>;
  /** Latest point of a series of any type, with its type. */
  latestValue(series: string, tags?: Tags): Promise<TypedPoint | undefined>;
  /** Points of a range of any type, with their types. */
  rangeValues(query: RangeQuery): Promise<TypedPoint[]>;
  /** The highest (or lowest) point of a range, with its time; one pass in SQL. */
  extreme(query: RangeQuery, which: "max" | "min"): Promise<Point | undefined>;
  buckets(query: BucketQuery): Promise<Bucket[]>;
  /** Series names and tag sets known to the store, optionally by name prefix. */
  seriesNames(prefix?: string): Promise<{ series: string; tags: Tags }[]>;
  /** Series names (and their tag sets) with point counts, optionally by name prefix (scans the points). */
  listSeries(prefix?: string): Promise<SeriesInfo[]>;
  /** Deletes points older than `before` (ms epoch) in series matching `series` (exact, or a prefix ending in `*`). Returns how many. */
  deleteOlderThan(series: string, before: number): Promise<number>;
  /**
   * In one transaction: for each series, its buckets before `to` aggregated
   * and written to `<prefix>.<series>` (replacing earlier rollups of those
   * buckets). Returns how many buckets were written.
   */
  rollup(spec: RollupSpec): Promise<number>;

  readonly revisions: {
    /**
     * Records a deploy. With `revision` it must be the next number: when
     * another deploy recorded it first, this fails with a
     * `RevisionConflictError` (the database decides who wins a race).
     * Without it the next free number is taken.
     */
    add(record: Omit<RevisionRecord, "revision"> & { revision?: number }): Promise<RevisionRecord>;
    list(flowId: string): Promise<Omit<RevisionRecord, "document">[]>;
    get(flowId: string, revision: number): Promise<RevisionRecord | undefined>;
    latest(flowId: string): Promise<RevisionRecord | undefined>;
  };

  /** Documents by collection, time and tags. */
  readonly records: RecordStore;

  /** Per-scope key/value context (a scope is a node id like `solar/poll`, a flow id, or `global`). JSON values. */
  readonly context: {
    get<T = unknown>(scope: string, key: string): Promise<T | undefined>;
    set(scope: string, key: string, value: unknown): Promise<void>;
    delete(scope: string, key: string): Promise<void>;
    keys(scope: string): Promise<string[]>;
    clear(scope: string): Promise<void>;
    /** Every key of a scope with its value's JSON text. */
    entries(scope: string): Promise<[string, string][]>;
    /** Applies changes, in order, in one transaction. */
    apply(changes: readonly ContextChange[]): Promise<void>;
  };

  /**
   * A scope's context held in memory for synchronous use, loaded from the
   * store once per scope and process; writes go through to the store in the
   * order they were made (see `ContextViews`).
   */
  openContext(scope: string): Promise<ContextView>;

  /** Durable FIFO queues for sinks whose peer is away (e.g. `influx:heatpump/write`). */
  readonly outbox: {
    push<T>(name: string, items: readonly T[]): Promise<void>;
    peek<T>(name: string, limit: number): Promise<OutboxItem<T>[]>;
    /** Removes items up to and including `lastId`. */
    ack(name: string, lastId: number): Promise<void>;
    size(name: string): Promise<number>;
    /** Drops the oldest `count` items; returns how many were dropped. */
    dropOldest(name: string, count: number): Promise<number>;
    /** Every non-empty outbox with its size and oldest item's time (one indexed query; for metrics and health). */
    summary(): Promise<OutboxSummary[]>;
  };

  /** Parked messages, newest first; the store keeps only the newest few thousand (older ones are pruned on insert). */
  readonly deadLetters: {
    add(letter: Omit<DeadLetter, "id">): Promise<void>;
    list(query?: DeadLetterQuery): Promise<DeadLetter[]>;
    count(flowId?: string): Promise<number>;
    /** Deletes every letter (of one flow, when given); returns how many. */
    clear(flowId?: string): Promise<number>;
  };

  /** Waits for context writes made through views, then closes. */
  close(): Promise<void>;
}
