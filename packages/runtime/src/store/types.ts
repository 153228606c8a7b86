/** The embedded store's public contract. Nodes reach it through `node.store`. */

export type Tags = Readonly<Record<string, string>>;

export interface Point {
  /** Series name, e.g. `solar.pv_power`. */
  series: string;
  /** Milliseconds since the Unix epoch. */
  time: number;
  value: number;
  tags?: Tags;
}

/**
 * Longest series name, tag name and tag value the store accepts. Untrusted
 * keys (a device's JSON) must not become unbounded names; a write that breaks
 * a limit fails with an error naming the series.
 */
export const STORE_LIMITS = { seriesName: 200, tagName: 64, tagValue: 256 } as const;

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

export interface Store {
  /** Writes all points in one transaction. A point at an existing (series, tags, time) replaces it. */
  writePoints(points: readonly Point[]): void;
  /** Latest point of a series; with `tags`, of the series matching them. */
  latest(series: string, tags?: Tags): Point | undefined;
  /** Latest point of every tag set of a series. */
  latestPerTagSet(series: string): Point[];
  range(query: RangeQuery): Point[];
  /** The highest (or lowest) point of a range, with its time; one pass in SQL. */
  extreme(query: RangeQuery, which: "max" | "min"): Point | undefined;
  buckets(query: BucketQuery): Bucket[];
  /** Series names and tag sets known to the store (from memory: cheap), optionally by name prefix. */
  seriesNames(prefix?: string): { series: string; tags: Tags }[];
  /** Series names (and their tag sets) with point counts, optionally by name prefix (scans the points). */
  listSeries(prefix?: string): SeriesInfo[];
  /** Deletes points older than `before` (ms epoch) in series matching `series` (exact, or a prefix ending in `*`). Returns how many. */
  deleteOlderThan(series: string, before: number): number;

  readonly revisions: {
    add(record: Omit<RevisionRecord, "revision">): RevisionRecord;
    list(flowId: string): Omit<RevisionRecord, "document">[];
    get(flowId: string, revision: number): RevisionRecord | undefined;
    latest(flowId: string): RevisionRecord | undefined;
  };

  /** Per-scope key/value context (a scope is a node id like `solar/poll`, a flow id, or `global`). JSON values. */
  readonly context: {
    get<T = unknown>(scope: string, key: string): T | undefined;
    set(scope: string, key: string, value: unknown): void;
    delete(scope: string, key: string): void;
    keys(scope: string): string[];
    clear(scope: string): void;
  };

  /** Durable FIFO queues for sinks whose peer is away (e.g. `influx:heatpump/write`). */
  readonly outbox: {
    push<T>(name: string, items: readonly T[]): void;
    peek<T>(name: string, limit: number): OutboxItem<T>[];
    /** Removes items up to and including `lastId`. */
    ack(name: string, lastId: number): void;
    size(name: string): number;
    /** Drops the oldest `count` items; returns how many were dropped. */
    dropOldest(name: string, count: number): number;
    /** Every non-empty outbox with its size and oldest item's time (one indexed query; for metrics and health). */
    summary(): OutboxSummary[];
  };

  /** Parked messages, newest first; the store keeps only the newest few thousand (older ones are pruned on insert). */
  readonly deadLetters: {
    add(letter: Omit<DeadLetter, "id">): void;
    list(query?: DeadLetterQuery): DeadLetter[];
    count(flowId?: string): number;
    /** Deletes every letter (of one flow, when given); returns how many. */
    clear(flowId?: string): number;
  };

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T;
  close(): void;
}
