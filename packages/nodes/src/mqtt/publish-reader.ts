/**
 * Reads PUBLISH packets (QoS 0 and 1) straight off the connection's bytes, and hands everything else to the
 * MQTT client as it arrived.
 *
 * The client's own parser allocates a couple of kilobytes for every packet it parses (a buffer list that builds
 * offset arrays and slices for every field it reads, and a debug call's argument array per step, enabled or
 * not). At tens of thousands of readings a second that is most of what the garbage collector has to do, on the
 * thread that also runs the flows. A PUBLISH is a small fixed layout (MQTT 3.1.1 §3.3, MQTT 5 §3.3): the topic
 * is decoded and the payload is a view of the received bytes, nothing else is made.
 *
 * Order is kept: PUBLISH packets are handed over in the order they arrive, and whenever one cannot be read
 * here (QoS 2, MQTT 5 properties such as a topic alias, anything malformed), that packet and everything after
 * it on this connection go to the client, which handles (or refuses) them as it always did. Until the client
 * has taken the broker's CONNACK, all bytes go to it too: the client must know the connection is up before the
 * first message is acknowledged.
 */
import type { Writable } from "node:stream";

/** A PUBLISH read here: what the session's dispatch needs of it. */
export type OnPublish = (topic: string, payload: Buffer, qos: 0 | 1, retain: boolean, messageId: number) => void;

const PUBLISH = 3;

/** The readable side of a connection, as far as the reader uses it. */
export interface ByteSource {
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

export class PublishReader {
  /** Bytes of a packet not yet complete. */
  private parts: Buffer[] = [];
  private partLength = 0;
  /** Bytes the incomplete packet needs in all (at least), once its header is known. */
  private needed = 0;
  /** Whether PUBLISH packets are read here (from the CONNACK on); until then every packet goes to the client. */
  private reading = false;
  /** A packet could not be read here: from it on, the connection's bytes go to the client as they come. */
  private passing = false;
  /** The client's parser has more than it buffers: the connection is paused until it drains. */
  private draining = false;

  constructor(
    private readonly source: ByteSource,
    private readonly client: Writable,
    /** Whether the client has taken the CONNACK (and so the connection's messages may be handed over). */
    private readonly connected: () => boolean,
    private readonly v5: boolean,
    private readonly onPublish: OnPublish,
  ) {
    source.on("data", (chunk) => this.feed(chunk));
    source.on("end", () => client.end());
  }

  private feed(chunk: Buffer): void {
    if (this.passing) return this.pass(chunk);
    // Every packet handed to the client before this chunk has been handled by now (it works through what it is
    // given within the turn), so from the CONNACK's next chunk on, PUBLISH packets can be read here in order.
    if (!this.reading && this.connected()) this.reading = true;
    let bytes = chunk;
    if (this.partLength > 0) {
      this.parts.push(chunk);
      this.partLength += chunk.length;
      if (this.partLength < this.needed) return;
      bytes = Buffer.concat(this.parts, this.partLength);
      this.parts = [];
      this.partLength = 0;
    }
    this.read(bytes);
  }

  private read(bytes: Buffer): void {
    const end = bytes.length;
    let at = 0;
    while (at < end) {
      // Fixed header: type and flags, then the remaining length in 1 to 4 bytes (7 bits each, low first).
      let length = 0;
      let multiplier = 1;
      let i = at + 1;
      let complete = false;
      for (; i < end && i <= at + 4; i++) {
        const b = bytes[i]!;
        length += (b & 0x7f) * multiplier;
        multiplier *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (i > at + 4) return this.giveUp(bytes.subarray(at));
        // Looked at again with the next byte: a whole packet can be as short as 2 bytes (PINGRESP), and it may be
        // the last thing the broker sends for a while.
        return this.keep(bytes.subarray(at), end - at + 1);
      }
      const body = i + 1;
      const next = body + length;
      if (next > end) return this.keep(bytes.subarray(at), next - at);
      const first = bytes[at]!;
      // While the client still holds bytes it was given (its parser waits on a write of its own, e.g. a QoS 2
      // answer on a full socket), a PUBLISH goes to it too, behind them: read here it would overtake them.
      if (first >> 4 !== PUBLISH || !this.reading || this.client.writableLength > 0) {
        this.pass(bytes.subarray(at, next));
      } else if (!this.publish(bytes, first, body, next)) {
        return this.giveUp(bytes.subarray(at));
      }
      at = next;
    }
  }

  /** Reads one PUBLISH in `bytes[body, next)`; false when it is one for the client. */
  private publish(bytes: Buffer, first: number, body: number, next: number): boolean {
    const qos = (first >> 1) & 3;
    if (qos > 1 || next - body < 2) return false;
    const topicLength = (bytes[body]! << 8) | bytes[body + 1]!;
    let at = body + 2 + topicLength;
    if (topicLength === 0 || at + (qos === 1 ? 2 : 0) > next) return false;
    let messageId = 0;
    if (qos === 1) {
      messageId = (bytes[at]! << 8) | bytes[at + 1]!;
      at += 2;
      if (messageId === 0) return false;
    }
    if (this.v5) {
      // Properties (a topic alias, an expiry, user properties…) are the client's to read: only none are read here.
      if (at >= next || bytes[at] !== 0) return false;
      at += 1;
    }
    const topic = bytes.toString("utf8", body + 2, body + 2 + topicLength);
    this.onPublish(topic, bytes.subarray(at, next), qos === 1 ? 1 : 0, (first & 1) === 1, messageId);
    return true;
  }

  /** Keeps the start of a packet until `needed` bytes of it are in. */
  private keep(rest: Buffer, needed: number): void {
    // A copy: the chunk it came from may be large, and only this tail of it is needed.
    this.parts = [Buffer.from(rest)];
    this.partLength = rest.length;
    this.needed = needed;
  }

  /** From this packet on, the client reads everything on this connection. */
  private giveUp(rest: Buffer): void {
    this.passing = true;
    this.reading = false;
    this.parts = [];
    this.partLength = 0;
    this.pass(rest);
  }

  private pass(bytes: Buffer): void {
    if (bytes.length === 0) return;
    // The client's parser is behind: the connection waits for it (once, however many packets this chunk still passes).
    if (!this.client.write(bytes) && !this.draining) {
      this.draining = true;
      this.source.pause();
      this.client.once("drain", () => {
        this.draining = false;
        this.source.resume();
      });
    }
  }
}
