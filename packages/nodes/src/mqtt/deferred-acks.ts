/**
 * Holds back PUBACKs until the flow has handled each QoS 1 message, then
 * sends them in the order the PUBLISHes arrived (MQTT requires that order).
 * A message the broker handed over is therefore acknowledged only once it
 * is stored, forwarded or routed to the error path; a crash before that
 * leaves it unacknowledged, and a persistent session gets it again.
 *
 * mqtt.js acknowledges as soon as `handleMessage` calls back, and handles
 * one packet at a time until then; holding the callback would let one
 * message through at a time. So the callback returns at once, the PUBACK
 * the client then writes is dropped (`swallows`), and the acknowledgement
 * is written here once the message is handled: the acks that came due in
 * one turn are encoded together into one buffer and written in one go,
 * where the client would build, encode and write each packet on its own.
 *
 * A message whose handling failed is not acknowledged, nor any after it
 * (acks go out in order): the broker keeps them all and hands them over
 * again when the session resumes, which the session brings about by
 * reconnecting (`onFailure`), or which the next run of a persistent session
 * gets when the failure was the process stopping.
 */
export interface AckPacket {
  cmd: string;
  messageId?: number;
}

const PENDING = 0;
const HANDLED = 1;
const FAILED = 2;

/**
 * One QoS 1 message awaiting its acknowledgement. The session's delivery
 * object is the entry itself, so a message costs one object, not an entry,
 * a map slot and a closure.
 */
export class AckEntry {
  /** PENDING, HANDLED or FAILED (handled with a failure). */
  ackState = PENDING;

  constructor(readonly messageId: number) {}

  /** Whether the flow is done with the message (see `DeferredAcks.settle`). */
  get settled(): boolean {
    return this.ackState !== PENDING;
  }
}

/** PUBACK with reason Success and no properties: the same 4 bytes in MQTT 3.1.1 and 5. */
const PUBACK = 0x40;

export class DeferredAcks {
  private queue: AckEntry[] = [];
  /** Index of the oldest unsent entry: a whole window of acks can come due at once, and shift() on each would be quadratic. */
  private head = 0;
  private scheduled = false;
  /** The entry tracked last: mqtt.js asks to write its PUBACK right after handing it over. */
  private latest: AckEntry | null = null;
  private readonly sendDueNext = (): void => {
    this.scheduled = false;
    this.sendDue();
  };

  /**
   * Acks that became due are sent together on the next `defer` turn: written
   * in one go they share one socket write, where one by one, as flows finish
   * messages, each would cost a system call.
   */
  constructor(
    /** Writes encoded PUBACKs to the connection (false when it cannot: they are dropped, the broker redelivers). */
    private readonly write: (bytes: Buffer) => void,
    private readonly defer: (fn: () => void) => void = setImmediate,
    /** A message failed: its ack (and every later one) is withheld until the connection is renewed. */
    private readonly onFailure: () => void = () => undefined,
  ) {}

  /** A QoS 1 PUBLISH arrived: `entry` (a fresh one) is acknowledged once `settle` was called for it and every earlier one. */
  track<T extends AckEntry>(entry: T): T {
    this.queue.push(entry);
    this.latest = entry;
    return entry;
  }

  /** The flow is done with the message (`failed`: with a failure); the first call counts. */
  settle(entry: AckEntry, failed: boolean): void {
    if (entry.ackState !== PENDING) return;
    entry.ackState = failed ? FAILED : HANDLED;
    if (failed) this.onFailure();
    else if (!this.scheduled && this.queue[this.head] === entry) {
      this.scheduled = true;
      this.defer(this.sendDueNext);
    }
  }

  /** The client wants to write this packet; true when it is the PUBACK of a tracked message, which is written here instead. */
  swallows(packet: AckPacket): boolean {
    const latest = this.latest;
    if (packet.cmd !== "puback" || latest === null || packet.messageId !== latest.messageId) return false;
    this.latest = null;
    return true;
  }

  /** The connection dropped: the broker forgets these acks and redelivers in a persistent session. */
  reset(): void {
    this.queue = [];
    this.head = 0;
    this.latest = null;
  }

  /** Sends the acks that are due now rather than on the next turn (the connection is about to close). */
  sendDueNow(): void {
    this.sendDue();
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Whether a failed message holds back the acks (it and those after it wait for redelivery). */
  get blocked(): boolean {
    return this.queue[this.head]?.ackState === FAILED;
  }

  private sendDue(): void {
    const queue = this.queue;
    const from = this.head;
    let to = from;
    while (to < queue.length && queue[to]!.ackState === HANDLED) to += 1;
    if (to < queue.length && queue[to]!.ackState === FAILED) {
      // The failed message now holds back every later ack: whatever renews the connection is asked
      // again (it may have looked earlier, while an older message was still being handled, and found nothing to do).
      this.onFailure();
    }
    if (to > from) {
      const bytes = Buffer.allocUnsafe((to - from) * 4);
      for (let i = from, at = 0; i < to; i++, at += 4) {
        const id = queue[i]!.messageId;
        bytes[at] = PUBACK;
        bytes[at + 1] = 2;
        bytes[at + 2] = id >>> 8;
        bytes[at + 3] = id & 0xff;
      }
      this.head = to;
      this.write(bytes);
    }
    // Entries settled after the ones sent wait for the next settle of the head (see `settle`); one that was
    // settled meanwhile behind a still pending head is sent when that head settles.
    if (this.head === queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= queue.length) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
  }
}
