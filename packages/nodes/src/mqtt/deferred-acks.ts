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
 */
export interface AckPacket {
  cmd: string;
  messageId?: number;
}

interface Pending {
  messageId: number;
  handled: boolean;
  ack: AckPacket | null;
}

export class DeferredAcks {
  private queue: Pending[] = [];
  private readonly byId = new Map<number, Pending>();

  constructor(private readonly send: (packet: AckPacket) => void) {}

  /** A QoS 1 PUBLISH arrived; returns the function that marks it handled. */
  track(messageId: number): () => void {
    const entry: Pending = { messageId, handled: false, ack: null };
    this.queue.push(entry);
    this.byId.set(messageId, entry);
    let called = false;
    return () => {
      if (called) return;
      called = true;
      entry.handled = true;
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
    this.byId.clear();
  }

  get waiting(): number {
    return this.queue.length;
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (!head.handled || !head.ack) return;
      this.queue.shift();
      if (this.byId.get(head.messageId) === head) this.byId.delete(head.messageId);
      this.send(head.ack);
    }
  }
}
