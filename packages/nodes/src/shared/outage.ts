import type { Message, NodeHandle } from "@wattflow/runtime";

/** How often a source that keeps failing with the same problem is reported again. */
export const OUTAGE_REPEAT_MS = 10 * 60_000;

/**
 * Reports a polled source's failures for people rather than once per poll: the
 * first failure and every change of problem at once, the same problem again
 * only every `repeatMs` (saying how many polls failed since), and the recovery
 * once. The node's status still shows every poll.
 */
export class OutageReport {
  private problem: string | null = null;
  /** When the current problem began, and the polls it failed since. */
  private since = 0;
  private failures = 0;
  private reportedAt = 0;

  constructor(
    private readonly node: Pick<NodeHandle, "error" | "log">,
    private readonly what: string,
    private readonly repeatMs = OUTAGE_REPEAT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the source is failing now. */
  get failing(): boolean {
    return this.problem !== null;
  }

  failed(err: unknown, msg?: Message): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const t = this.now();
    if (error.message !== this.problem) {
      this.problem = error.message;
      this.since = t;
      this.failures = 1;
      this.reportedAt = t;
      this.node.error(error, msg);
      return;
    }
    this.failures += 1;
    if (t - this.reportedAt < this.repeatMs) return;
    this.reportedAt = t;
    this.node.error(new Error(`${error.message} (still failing: ${this.failures} polls since ${new Date(this.since).toISOString()})`), msg);
  }

  succeeded(): void {
    if (this.problem === null) return;
    this.node.log.info(`${this.what} works again after ${this.failures} failed poll(s) since ${new Date(this.since).toISOString()} (${this.problem})`);
    this.problem = null;
    this.failures = 0;
  }
}
