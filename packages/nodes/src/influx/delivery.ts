import type { Store, TimerHandle } from "@wattflow/runtime";
import { InfluxError, type InfluxClient } from "./client.js";
import { retryDelay } from "./backoff.js";

/** How one message's points ended: written or safely in the outbox, refused by the server, or failed. */
export type Outcome = "stored" | "rejected" | Error;

export interface Batch {
  lines: string[];
  /** One per message whose points are in `lines`; called exactly once. */
  settle: ((outcome: Outcome) => void)[];
}

export interface DeliveryCounts {
  written: number;
  rejected: number;
  dropped: number;
  /** Points waiting in the outbox. */
  queued: number;
  /** Why the server is considered away, while it is. */
  away: string | null;
}

export interface DeliveryOptions {
  client: InfluxClient;
  outbox: Store["outbox"];
  /** Unique per node: `influx:<flowId>/<nodeId>`. */
  outboxName: string;
  outboxLimit: number;
  /** Outbox points sent per request while draining. */
  chunkSize: number;
  /** Retries of a fresh batch before it goes to the outbox. */
  retries: number;
  maxRetryDelayMs: number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Something visible changed (counts, server away or back). */
  onChange(counts: DeliveryCounts): void;
  /** The server refused data: the error carries its message. */
  onRejected(err: InfluxError, points: number): void;
  /** Oldest outbox points were dropped to stay within the limit. */
  onDropped(count: number, total: number): void;
  onAway(err: Error): void;
  /** One write attempt failed because the server is away (every attempt, not only the first: errors are counted). */
  onWriteFailed(err: Error): void;
  /** The outbox itself failed; the loop stops until the next batch restarts it. */
  onFault(err: Error): void;
  onBack(): void;
}

type SendResult = "ok" | "rejected" | "away";

/** Extra requests one batch may cost to single out the points InfluxDB refuses. */
const MAX_SPLITS = 32;
/** Lines per request when queued batches are joined: InfluxDB's documented sweet spot for writes. */
const MERGED_LINES = 5000;

/**
 * InfluxDB 1.x writes the good points of a batch and answers `partial write:
 * … dropped=N`; unparsable lines are not in N, each has its own "unable to parse".
 */
export function refusedInPartialWrite(message: string, lines: number): number {
  const dropped = Number(/dropped=(\d+)/.exec(message)?.[1] ?? 0);
  const unparsable = message.match(/unable to parse/g)?.length ?? 0;
  return Math.min(lines, Math.max(1, dropped + unparsable));
}

/**
 * Gets batches into InfluxDB in order, or into the store's disk outbox while
 * the server is away; one loop does all writing so order is never lost.
 *
 * - With an empty outbox a batch is written directly (retried a few times);
 *   its messages settle when the server says it is stored.
 * - Once a batch could not be written, it and every later batch go to the
 *   outbox and their messages settle at once: a disk outbox is as durable as
 *   the store, and holding acknowledgements for an outage of hours would
 *   stall every source.
 * - The loop drains the outbox oldest first (peek → write → ack) with growing
 *   waits between attempts, and only then writes fresh batches directly again.
 */
export class Delivery {
  private readonly queue: Batch[] = [];
  private running: Promise<void> | null = null;
  private closed = false;
  private sleeping: { timer: TimerHandle; wake: () => void } | null = null;
  private written = 0;
  private rejected = 0;
  private dropped = 0;
  private away: string | null = null;
  /** The outbox's size, kept here because counting a large outbox on every batch is not free. */
  private queued = 0;
  /** What an earlier run left in the outbox, counted once at start; the loop waits for it. */
  private readonly counted: Promise<void>;
  private countedYet = false;
  /** Batches going into the outbox, one after another, so they keep their order. */
  private spilling: Promise<void> = Promise.resolve();

  constructor(private readonly o: DeliveryOptions) {
    this.counted = o.outbox.size(o.outboxName).then(
      (n) => {
        this.queued += n;
        this.countedYet = true;
      },
      (err: unknown) => o.onFault(err instanceof Error ? err : new Error(String(err))),
    );
  }

  counts(): DeliveryCounts {
    return { written: this.written, rejected: this.rejected, dropped: this.dropped, queued: this.queued, away: this.away };
  }

  /** Starts draining what an earlier run left in the outbox. */
  async start(): Promise<void> {
    await this.counted;
    this.o.onChange(this.counts());
    if (this.queued > 0) this.kick();
  }

  submit(batch: Batch): void {
    // Behind a non-empty outbox, a direct write would overtake older points.
    if (this.closed || this.queued > 0) {
      this.spill(batch);
      this.kick();
      return;
    }
    this.queue.push(batch);
    this.kick();
  }

  /** Ends a backoff wait now: the server was seen answering again. */
  retryNow(): void {
    if (this.sleeping) this.wake();
    else if (this.queued > 0) this.kick();
  }

  /** Waits for the write in flight, then keeps whatever is left in the outbox for the next run. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    await this.running;
    while (this.queue.length > 0) this.spill(this.queue.shift()!);
    await this.spilling;
  }

  private kick(): void {
    if (this.running || this.closed) return;
    this.running = this.run()
      // Only the store can throw here (a disk error, or a store closed under a write that outlived close).
      .catch((err: unknown) => this.o.onFault(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.running = null;
      });
  }

  private async run(): Promise<void> {
    // Awaited only until known: a wait would let batches behind the first join it before it is written.
    if (!this.countedYet) await this.counted;
    let failures = 0;
    while (!this.closed) {
      if (this.queued > 0) {
        // Fresh batches would wait behind the outbox anyway; there they are durable and their messages done.
        while (this.queue.length > 0) this.spill(this.queue.shift()!);
        if (failures > 0) await this.sleep(retryDelay(failures, this.o.maxRetryDelayMs));
        if (this.closed) return;
        await this.spilling;
        const chunk = await this.o.outbox.peek<string>(this.o.outboxName, this.o.chunkSize);
        if (chunk.length === 0) {
          this.queued = 0;
          continue;
        }
        const droppedBefore = this.dropped;
        const result = await this.send(chunk.map((c) => c.item));
        if (result === "away") {
          failures += 1;
          continue;
        }
        failures = 0;
        await this.o.outbox.ack(this.o.outboxName, chunk[chunk.length - 1]!.id);
        // Points of this chunk may have been dropped meanwhile (a spill over the limit): count again then.
        if (this.dropped === droppedBefore) this.queued -= chunk.length;
        else {
          await this.spilling;
          this.queued = await this.o.outbox.size(this.o.outboxName);
        }
        this.o.onChange(this.counts());
        continue;
      }
      const batch = this.nextBatch();
      if (!batch) return;
      let result = await this.send(batch.lines);
      for (let attempt = 1; result === "away" && attempt <= this.o.retries && !this.closed; attempt++) {
        await this.sleep(retryDelay(attempt, this.o.maxRetryDelayMs));
        result = await this.send(batch.lines);
      }
      if (result === "away") {
        this.spill(batch);
        failures = Math.max(failures, this.o.retries + 1);
        continue;
      }
      for (const settle of batch.settle) settle(result === "ok" ? "stored" : "rejected");
      this.o.onChange(this.counts());
    }
  }

  /**
   * The oldest batch, joined with those queued behind it while a write was in
   * flight, up to MERGED_LINES (or one chunk, if larger): when the server is
   * the slower side, fewer and larger requests are what lets it keep up.
   */
  private nextBatch(): Batch | undefined {
    const first = this.queue.shift();
    if (!first || this.queue.length === 0) return first;
    const limit = Math.max(this.o.chunkSize, MERGED_LINES);
    const merged: Batch = { lines: [...first.lines], settle: [...first.settle] };
    while (this.queue.length > 0 && merged.lines.length + this.queue[0]!.lines.length <= limit) {
      const next = this.queue.shift()!;
      for (const line of next.lines) merged.lines.push(line);
      for (const settle of next.settle) merged.settle.push(settle);
    }
    return merged;
  }

  /**
   * One write. Refused data is isolated rather than thrown away whole: a 413,
   * or a 400 that wrote nothing (InfluxDB refuses a whole batch whose first
   * value of a new field conflicts), is split in halves, within a small budget
   * of extra requests. Re-sent points overwrite themselves (same series and time).
   */
  private async send(lines: readonly string[], budget = { splits: MAX_SPLITS }): Promise<SendResult> {
    try {
      await this.o.client.write(lines);
      this.written += lines.length;
      if (this.away !== null) {
        this.away = null;
        this.o.onBack();
      }
      return "ok";
    } catch (err) {
      if (err instanceof InfluxError && (err.rejectsData || err.tooLarge)) {
        const partial = /^partial write/.test(err.serverMessage ?? "");
        if (!partial && lines.length > 1 && budget.splits > 0) {
          budget.splits -= 1;
          const half = Math.ceil(lines.length / 2);
          const first = await this.send(lines.slice(0, half), budget);
          if (first === "away") return "away";
          const second = await this.send(lines.slice(half), budget);
          return second === "away" ? "away" : first === "ok" && second === "ok" ? "ok" : "rejected";
        }
        const count = partial ? refusedInPartialWrite(err.serverMessage ?? "", lines.length) : lines.length;
        this.rejected += count;
        this.written += lines.length - count;
        this.o.onRejected(err, count);
        return "rejected";
      }
      const e = err instanceof Error ? err : new Error(String(err));
      if (this.away === null) this.o.onAway(e);
      this.away = e.message;
      this.o.onWriteFailed(e);
      this.o.onChange(this.counts());
      return "away";
    }
  }

  /**
   * Puts a batch into the outbox after those before it. `queued` grows at
   * once, so a batch submitted meanwhile goes behind it rather than past it.
   */
  private spill(batch: Batch): void {
    this.queued += batch.lines.length;
    this.spilling = this.spilling.then(() => this.spillNow(batch));
  }

  private async spillNow(batch: Batch): Promise<void> {
    try {
      await this.o.outbox.push(this.o.outboxName, batch.lines);
    } catch (err) {
      this.queued -= batch.lines.length;
      const e = new Error(`outbox ${this.o.outboxName}: could not keep ${batch.lines.length} points: ${err instanceof Error ? err.message : String(err)}`);
      for (const settle of batch.settle) settle(e);
      return;
    }
    try {
      if (this.queued > this.o.outboxLimit) {
        const n = await this.o.outbox.dropOldest(this.o.outboxName, this.queued - this.o.outboxLimit);
        this.queued -= n;
        this.dropped += n;
        this.o.onDropped(n, this.dropped);
      }
    } catch (err) {
      this.o.onFault(err instanceof Error ? err : new Error(String(err)));
    }
    for (const settle of batch.settle) settle("stored");
    this.o.onChange(this.counts());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleeping = null;
        resolve();
      };
      this.sleeping = { timer: this.o.setTimeout(wake, ms), wake };
    });
  }

  private wake(): void {
    const s = this.sleeping;
    if (!s) return;
    s.timer.cancel();
    s.wake();
  }
}
