import vm from "node:vm";
import { performance } from "node:perf_hooks";
import { currentHandler, enterHandler, handlersRan, leaveHandler, restoreHandler, type HandlerOwner, type Message } from "@wattflow/runtime";

/**
 * Runs user code with a time limit on its synchronous part. `node:vm` can
 * stop running JavaScript only inside a script it runs, so one tiny script,
 * compiled once for every function node, calls whatever `timed` put in a
 * global slot; the limit stops any code on the stack, the user's included.
 * (The slot, not a module variable: two copies of this module share it safely.)
 *
 * Each timed run starts a watchdog thread in Node (about 0.1 ms), too dear
 * per message: the messages a node receives in one turn of the event loop
 * run together in one timed run on the next turn (a fresh run after each
 * `SLICE_MS`, so every message gets its whole limit). Starting on the next
 * turn, not on a microtask, also lets timers and I/O run between the laps of
 * a loop of function nodes that send to each other forever.
 */
const SLOT = Symbol.for("wattflow.function.timedCall");
const invoker = new vm.Script(`globalThis[Symbol.for("wattflow.function.timedCall")]()`, { filename: "wattflow:function-time-limit" });
const slots = globalThis as Record<symbol, unknown>;

/** A timed run starts no further message after this long; the run's limit is the node's limit plus this. */
const SLICE_MS = 10;

export class TimeLimitExceeded extends Error {
  constructor(limitMs: number) {
    super(`the code ran longer than its ${limitMs} ms limit (config "timeout") and was stopped; nothing else could run meanwhile`);
    this.name = "TimeLimitExceeded";
  }
}

function isScriptTimeout(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT";
}

/** Runs `fn` within `limitMs`; returns false when the limit stopped it (its `finally` blocks did not run). */
function timed(fn: () => void, limitMs: number): boolean {
  slots[SLOT] = fn;
  try {
    invoker.runInThisContext({ timeout: limitMs, displayErrors: false });
    return true;
  } catch (err) {
    if (isScriptTimeout(err)) return false;
    throw err;
  } finally {
    slots[SLOT] = undefined;
  }
}

/** One message's synchronous start: `start` calls the user code; `fail` reports that it was stopped. */
export interface TimedJob {
  readonly msg: Message;
  start(): void;
  fail(err: Error): void;
}

/**
 * Queues a node's messages and starts them on the next turn of the event
 * loop, in timed runs. A message whose code overruns fails with
 * `TimeLimitExceeded`; the ones queued behind it still run.
 */
export class TimedRunner {
  private queue: TimedJob[] = [];
  private scheduled = false;
  /** Tells the engine which node's code runs (stall reports, status loops). */
  private readonly owner: HandlerOwner;

  /** `key` is the node's `flow/node`. */
  constructor(
    private readonly limitMs: number,
    key: string,
  ) {
    this.owner = { key, handling: undefined };
  }

  add(job: TimedJob): void {
    if (this.limitMs <= 0) {
      this.runOne(job);
      return;
    }
    this.queue.push(job);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private runOne(job: TimedJob): void {
    const outer = enterHandler(this.owner, job.msg);
    try {
      job.start();
    } finally {
      leaveHandler(this.owner, outer);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    const at = { next: 0, began: 0, current: undefined as TimedJob | undefined };
    const runSlice = (): void => {
      at.began = performance.now();
      while (at.next < jobs.length) {
        const job = jobs[at.next++]!;
        at.current = job;
        this.runOne(job);
        if (performance.now() - at.began >= SLICE_MS) break;
      }
      at.current = undefined;
      handlersRan(this.owner, at.began);
    };
    while (at.next < jobs.length) {
      const outer = currentHandler();
      try {
        if (timed(runSlice, this.limitMs + SLICE_MS)) continue;
        // Stopped mid-way: the `finally` blocks on the way did not run.
        restoreHandler(outer);
        handlersRan(this.owner, at.began);
        at.current?.fail(new TimeLimitExceeded(this.limitMs));
      } catch (err) {
        // `start` reports the user's errors itself; anything else fails the message it came from.
        restoreHandler(outer);
        at.current?.fail(err instanceof Error ? err : new Error(String(err)));
      }
      at.current = undefined;
    }
  };
}
