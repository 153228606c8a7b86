/**
 * Holds back PUBACKs until the flow has handled each QoS 1 message, then
 * sends them in the order the PUBLISHes arrived (MQTT requires that order).
 * A message the broker handed over is therefore acknowledged only once it
 * is stored, forwarded or routed to the error path; a crash before that
 * leaves it unacknowledged, and a persistent session gets it again.
 *
 * mqtt.js acknowledges as soon as `handleMessage` calls back, and handles
 * one packet at a time until then; holding the callback would let one
 * message through at a time. So the callback returns at once and the
 * PUBACK the client then writes is what waits here.
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

interface Pending {
  messageId: number;
  handled: boolean;
  failed: boolean;
  ack: AckPacket | null;
}

export class DeferredAcks {
  private queue: Pending[] = [];
  /** Index of the oldest unsent entry: a whole window of acks can come due at once, and shift() on each would be quadratic. */
  private head = 0;
  private readonly byId = new Map<number, Pending>();
  private scheduled = false;

  /**
   * Acks that became due are sent together on the next `defer` turn: written
   * in one go they share one socket write, where one by one, as flows finish
   * messages, each would cost a system call.
   */
  constructor(
    private readonly send: (packet: AckPacket) => void,
    private readonly defer: (fn: () => void) => void = setImmediate,
    /** A message failed: its ack (and every later one) is withheld until the connection is renewed. */
    private readonly onFailure: () => void = () => undefined,
  ) {}

  /** A QoS 1 PUBLISH arrived; returns the function that marks it handled (`nack`: handled with a failure). */
  track(messageId: number): (handling?: { outcome: "ack" | "nack" }) => void {
    const entry: Pending = { messageId, handled: false, failed: false, ack: null };
    this.queue.push(entry);
    this.byId.set(messageId, entry);
    let called = false;
    return (handling) => {
      if (called) return;
      called = true;
      entry.handled = true;
      entry.failed = handling?.outcome === "nack";
      if (entry.failed) this.onFailure();
      this.flush();
    };
  }

  /** The client wants to write this packet; true when it is held back here. */
  hold(packet: AckPacket): boolean {
    if (packet.cmd !== "puback" || packet.messageId === undefined) return false;
    const entry = this.byId.get(packet.messageId);
    if (!entry || entry.ack) return false;
    entry.ack = packet;
    this.flush();
    return true;
  }

  /** The connection dropped: the broker forgets these acks and redelivers in a persistent session. */
  reset(): void {
    this.queue = [];
    this.head = 0;
    this.byId.clear();
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
    const head = this.queue[this.head];
    return head !== undefined && head.handled && head.failed;
  }

  private flush(): void {
    const head = this.queue[this.head];
    if (this.scheduled || !head?.handled || !head.ack) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      this.sendDue();
    });
  }

  private sendDue(): void {
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head]!;
      if (entry.handled && entry.failed) {
        // The failed message now holds back every later ack: whatever renews the connection is asked
        // again (it may have looked earlier, while an older message was still being handled, and found nothing to do).
        this.onFailure();
        break;
      }
      if (!entry.handled || !entry.ack) break;
      this.head += 1;
      if (this.byId.get(entry.messageId) === entry) this.byId.delete(entry.messageId);
      this.send(entry.ack);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
