import type { Message } from "./message.js";
import type { Tracker } from "./completion.js";

/**
 * A FIFO of deliveries (message + optional completion tracker) kept in two
 * parallel ring buffers, so enqueueing allocates nothing on the hot path.
 */
export class DeliveryQueue {
  private msgs: (Message | undefined)[];
  private trackers: (Tracker | null | undefined)[];
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    this.msgs = new Array(initialCapacity);
    this.trackers = new Array(initialCapacity);
  }

  get length(): number {
    return this.count;
  }

  push(msg: Message, tracker: Tracker | null): void {
    if (this.count === this.msgs.length) this.grow();
    const at = (this.head + this.count) % this.msgs.length;
    this.msgs[at] = msg;
    this.trackers[at] = tracker;
    this.count += 1;
  }

  /** Removes the head; `peekMsg`/`peekTracker` read it first. */
  shift(): void {
    this.msgs[this.head] = undefined;
    this.trackers[this.head] = undefined;
    this.head = (this.head + 1) % this.msgs.length;
    this.count -= 1;
  }

  peekMsg(): Message {
    return this.msgs[this.head]!;
  }

  peekTracker(): Tracker | null {
    return this.trackers[this.head] ?? null;
  }

  /** Empties the queue, handing each tracker to `each` (to fail them). */
  drainAll(each: (tracker: Tracker | null) => void): number {
    const n = this.count;
    while (this.count > 0) {
      each(this.peekTracker());
      this.shift();
    }
    return n;
  }

  private grow(): void {
    const size = this.msgs.length * 2;
    const msgs = new Array<Message | undefined>(size);
    const trackers = new Array<Tracker | null | undefined>(size);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.msgs.length;
      msgs[i] = this.msgs[from];
      trackers[i] = this.trackers[from];
    }
    this.msgs = msgs;
    this.trackers = trackers;
    this.head = 0;
  }
}
