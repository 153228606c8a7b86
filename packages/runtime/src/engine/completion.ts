import type { Completion } from "./types.js";

/**
 * Follows one source message and everything derived from it. Each queued
 * delivery holds the tracker; `done` releases it; sends made while handling
 * a message take their hold before that message's `done` lets go. When the
 * last hold goes, the source hears `ack`, or `nack` if any part failed.
 */
export type CompletionCallback = (completion: Completion) => void;

export class Tracker {
  private pending = 0;
  private failure: Error | null = null;
  private settled = false;

  constructor(private readonly onComplete: CompletionCallback) {}

  retain(): void {
    this.pending += 1;
  }

  release(): void {
    this.pending -= 1;
    if (this.pending === 0 && !this.settled) {
      this.settled = true;
      try {
        this.onComplete(this.failure ? { outcome: "nack", error: this.failure } : { outcome: "ack" });
      } catch {
        // A source's completion callback must not break delivery to other nodes.
      }
    }
  }

  fail(error: Error): void {
    if (!this.failure) this.failure = error;
  }
}
