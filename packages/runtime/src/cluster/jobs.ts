import type { Client, Pool } from "pg";
import type { Logger } from "pino";
import type { JobGate, JobOutcome, JobRun } from "../engine/types.js";
import type { LockView } from "./types.js";
import { LOCK_CLASS, lockKey } from "./schema.js";
import { instanceOfSession } from "./instance.js";

export interface ClusterJobsOptions {
  pool: Pool;
  /** A session of its own (the current one, after a reconnect): advisory locks belong to the session that took them and end with it. */
  lockSession: () => Client | null;
  instance: string;
  /** A store in a schema of its own keeps its job locks apart from other schemas' in the same database. */
  namespace: string;
  /** How often a runtime that does not hold a job checks whether the holder finished the slot, or died. */
  retryMs: number;
  log: Logger;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/**
 * Once-per-cluster jobs over PostgreSQL advisory locks. The first runtime to take a job's lock keeps
 * it for as long as its database session lives, and runs the job's slots; the others, on their own
 * ticks, see the lock taken and wait until the slot is recorded done. When the holder dies its
 * session ends, the lock is free, and the next waiting runtime takes it and runs the slot that was
 * left unfinished. `wattflow_cluster_jobs.last_run` is what "done" means, so a slot runs once even
 * when several runtimes tick at the same moment.
 */
export class ClusterJobs implements JobGate {
  readonly shared = true;
  private readonly held = new Set<string>();
  /**
   * Slots of each job waiting here. They take the lock oldest first: when a holder dies, the one that takes
   * over runs each slot it missed, in order, rather than skipping to the newest.
   */
  private readonly waiting = new Map<string, Set<number>>();
  private stopped = false;
  /** Runs under way here, by job: a release waits for them. */
  private readonly active = new Map<string, number>();
  private readonly releaseWanted = new Set<string>();

  constructor(private readonly o: ClusterJobsOptions) {}

  async run(job: string, slot: number, work: (run: JobRun) => Promise<void>, options: { signal?: AbortSignal } = {}): Promise<JobOutcome> {
    const waiting = this.waiting.get(job) ?? new Set<number>();
    this.waiting.set(job, waiting);
    waiting.add(slot);
    // A wait given up no longer holds back newer slots, though its loop notices only when its sleep ends:
    // with ticks closer together than retryMs, the newest wait would otherwise always find an older one ahead.
    const forget = (): void => void waiting.delete(slot);
    options.signal?.addEventListener("abort", forget, { once: true });
    try {
      return await this.runInTurn(job, slot, waiting, work, options);
    } finally {
      options.signal?.removeEventListener("abort", forget);
      waiting.delete(slot);
    }
  }

  private async runInTurn(job: string, slot: number, waiting: Set<number>, work: (run: JobRun) => Promise<void>, options: { signal?: AbortSignal }): Promise<JobOutcome> {
    await this.o.pool.query("INSERT INTO wattflow_cluster_jobs (name, lock_key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [job, this.key(job)]);
    for (;;) {
      if (this.stopped || options.signal?.aborted) return "elsewhere";
      const state = await this.state(job);
      if (state.lastRun !== null && state.lastRun >= slot) return "already-done";
      if (Math.min(...waiting) < slot) {
        await sleep(this.o.retryMs);
        continue;
      }
      if (await this.acquire(job)) {
        // Read again under the lock: the previous holder may have finished the slot just before it let go.
        const fresh = await this.state(job);
        if (fresh.lastRun !== null && fresh.lastRun >= slot) return "already-done";
        this.releaseWanted.delete(job);
        this.active.set(job, (this.active.get(job) ?? 0) + 1);
        try {
          try {
            await work({ slot, lastRun: fresh.lastRun });
          } catch (err) {
            await this.o.pool.query("UPDATE wattflow_cluster_jobs SET last_failed = $2 WHERE name = $1", [job, slot]);
            throw err;
          }
          await this.o.pool.query(
            "UPDATE wattflow_cluster_jobs SET last_run = GREATEST(coalesce(last_run, $2), $2), runs = runs + 1, ran_by = $3, ran_at = now() WHERE name = $1",
            [job, slot, this.o.instance],
          );
          return "ran";
        } finally {
          const left = (this.active.get(job) ?? 1) - 1;
          if (left > 0) this.active.set(job, left);
          else this.active.delete(job);
          if (left <= 0 && this.releaseWanted.has(job)) await this.unlock(job);
        }
      }
      // Another runtime holds the job. Its failure ends the wait as well: it is its holder's to report.
      if (state.lastFailed !== null && state.lastFailed >= slot) return "elsewhere";
      await sleep(this.o.retryMs);
    }
  }

  /** Every job the cluster knows, with the runtime holding its lock (by its session's name). */
  async view(): Promise<LockView[]> {
    const { rows } = await this.o.pool.query<{ name: string; holder: string | null; last_run: string | null; runs: string }>(
      `SELECT j.name, a.application_name AS holder, j.last_run, j.runs
         FROM wattflow_cluster_jobs j
         LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.classid = $1::integer::oid AND l.objsubid = 2
                              AND l.objid = (j.lock_key::bigint & 4294967295)::oid
         LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        ORDER BY j.name`,
      [LOCK_CLASS],
    );
    return rows.map((r) => ({
      job: r.name,
      holder: r.holder === null ? null : instanceOfSession(r.holder),
      lastRun: r.last_run === null ? null : new Date(Number(r.last_run)).toISOString(),
      runs: Number(r.runs),
    }));
  }

  /** The node that ran `job` here closed: its lock goes (after a run under way), so a runtime still running it takes over. */
  async release(job: string): Promise<void> {
    if (!this.held.has(job)) return;
    if (this.active.has(job)) {
      this.releaseWanted.add(job);
      return;
    }
    await this.unlock(job);
  }

  private async unlock(job: string): Promise<void> {
    this.releaseWanted.delete(job);
    if (!this.held.delete(job)) return;
    const session = this.o.lockSession();
    if (!session) return;
    try {
      await session.query("SELECT pg_advisory_unlock($1, $2)", [LOCK_CLASS, this.key(job)]);
      this.o.log.info({ job }, `this runtime let go of cluster job ${job}`);
    } catch (err) {
      // The session may be gone already, and the lock with it.
      this.o.log.warn({ job, err: err instanceof Error ? err.message : String(err) }, "could not let go of a cluster job's lock");
    }
  }

  /** Jobs whose lock this runtime holds. */
  holding(): string[] {
    return [...this.held].sort();
  }

  /** The lock session ended (its connection broke): every lock went with it. */
  lost(): void {
    // On a stop the session is ended on purpose, and letting go of the locks is the point.
    if (this.held.size > 0 && !this.stopped) this.o.log.warn({ jobs: [...this.held] }, "the cluster lock session ended; this runtime no longer holds its jobs");
    this.held.clear();
  }

  stop(): void {
    this.stopped = true;
  }

  private key(job: string): number {
    return lockKey(this.o.namespace ? `${this.o.namespace}/${job}` : job);
  }

  private async state(job: string): Promise<{ lastRun: number | null; lastFailed: number | null }> {
    const { rows } = await this.o.pool.query<{ last_run: string | null; last_failed: string | null }>("SELECT last_run, last_failed FROM wattflow_cluster_jobs WHERE name = $1", [job]);
    const r = rows[0];
    return { lastRun: r?.last_run == null ? null : Number(r.last_run), lastFailed: r?.last_failed == null ? null : Number(r.last_failed) };
  }

  private async acquire(job: string): Promise<boolean> {
    if (this.held.has(job)) return true;
    const session = this.o.lockSession();
    if (!session) return false;
    try {
      const { rows } = await session.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [LOCK_CLASS, this.key(job)]);
      if (!rows[0]!.ok) return false;
    } catch (err) {
      this.o.log.warn({ job, err: err instanceof Error ? err.message : String(err) }, "could not ask for a cluster job's lock");
      return false;
    }
    this.held.add(job);
    this.o.log.info({ job }, `this runtime now runs cluster job ${job}`);
    return true;
  }
}
