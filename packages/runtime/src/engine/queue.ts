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
  /** Deliveries queued: a field, not a getter, as it is read on every delivery (also before the code is optimized). Only the queue writes it. */
  length = 0;

  constructor(initialCapacity = 16) {
    this.msgs = new Array(initialCapacity);
    this.trackers = new Array(initialCapacity);
  }

  push(msg: Message, tracker: Tracker | null): void {
    if (this.length === this.msgs.length) this.grow();
    const at = (this.head + this.length) % this.msgs.length;
    this.msgs[at] = msg;
    this.trackers[at] = tracker;
    this.length += 1;
  }

  /** Removes the head; `peekMsg`/`peekTracker` read it first. */
  shift(): void {
    this.msgs[this.head] = undefined;
    this.trackers[this.head] = undefined;
    this.head = (this.head + 1) % this.msgs.length;
    this.length -= 1;
  }

  peekMsg(): Message {
    return this.msgs[this.head]!;
  }

  peekTracker(): Tracker | null {
    return this.trackers[this.head] ?? null;
  }

  /** Empties the queue, handing each tracker to `each` (to fail them). */
  drainAll(each: (tracker: Tracker | null) => void): number {
    const n = this.length;
    while (this.length > 0) {
      each(this.peekTracker());
      this.shift();
    }
    return n;
  }

  private grow(): void {
    const size = this.msgs.length * 2;
    const msgs = new Array<Message | undefined>(size);
    const trackers = new Array<Tracker | null | undefined>(size);
    for (let i = 0; i < this.length; i++) {
      const from = (this.head + i) % this.msgs.length;
      msgs[i] = this.msgs[from];
      trackers[i] = this.trackers[from];
    }
    this.msgs = msgs;
    this.trackers = trackers;
    this.head = 0;
  }
}

/** A message a node sent that its target (a full `block` queue) has no room for yet. */
export interface HeldDelivery<T> {
  readonly target: T;
  readonly msg: Message;
  readonly tracker: Tracker | null;
}

/**
 * A node's sends waiting for room downstream, in send order. Only used while
 * a `block` target is full, so an object per entry is fine here.
 */
export class Outbox<T> {
  private items: (HeldDelivery<T> | undefined)[] = [];
  private head = 0;
  /** Deliveries held: a field, as every send reads it. Only the outbox writes it. */
  length = 0;

  push(item: HeldDelivery<T>): void {
    this.items.push(item);
    this.length += 1;
  }

  peek(): HeldDelivery<T> | undefined {
    return this.items[this.head];
  }

  shift(): void {
    this.items[this.head] = undefined;
    this.head += 1;
    this.length -= 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
