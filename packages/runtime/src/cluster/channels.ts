import type { Pool } from "pg";
import type { Logger } from "pino";

/** NOTIFY refuses payloads of 8000 bytes or more; a little is kept for the envelope. */
const NOTIFY_LIMIT = 7800;

/** What travels in one NOTIFY: a batch of messages, or the id of a row holding a batch too large for it. */
interface Envelope {
  from: string;
  messages?: string[];
  ref?: string;
}

export type ChannelHandler = (message: string, from: string) => void;

/**
 * Named channels between runtimes over LISTEN/NOTIFY. Messages published in one event-loop turn go
 * out together, in as few NOTIFYs as fit; a message too large for NOTIFY goes through a row of
 * `wattflow_cluster_payloads`, referenced by id. Per channel, peers receive messages in the order
 * they were published. A runtime does not hear its own messages.
 */
export class Channels {
  private readonly handlers = new Map<string, ChannelHandler>();
  private readonly outgoing = new Map<string, string[]>();
  private flushScheduled = false;
  /** Incoming envelopes per channel, handled one after another (a spilled one is read from its row first). */
  private readonly incoming = new Map<string, Promise<void>>();
  published = 0;
  received = 0;

  private readonly prefix: string;

  constructor(
    private readonly pool: Pool,
    private readonly instance: string,
    private readonly log: Logger,
    /** A store in a schema of its own keeps its channels apart from other schemas' in the same database. */
    namespace = "",
  ) {
    this.prefix = `wattflow_${namespace ? `${namespace}_` : ""}`;
  }

  /** A channel's name as the database knows it (an identifier: lower case, prefixed). */
  pgName(channel: string): string {
    return `${this.prefix}${channel}`;
  }

  handler(channel: string, handler: ChannelHandler): void {
    this.handlers.set(channel, handler);
  }

  channels(): string[] {
    return [...this.handlers.keys()];
  }

  publish(channel: string, message: string): void {
    const queue = this.outgoing.get(channel);
    if (queue) queue.push(message);
    else this.outgoing.set(channel, [message]);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Called by the listening session with a notification's payload. */
  deliver(pgChannel: string, payload: string): void {
    if (!pgChannel.startsWith(this.prefix)) return;
    const channel = pgChannel.slice(this.prefix.length);
    const handler = this.handlers.get(channel);
    if (!handler) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch {
      this.log.warn({ channel }, "ignored a cluster notification that is not JSON");
      return;
    }
    if (envelope.from === this.instance) return;
    const previous = this.incoming.get(channel) ?? Promise.resolve();
    const next = previous.then(async () => {
      const messages = envelope.ref !== undefined ? await this.readSpilled(envelope.ref) : (envelope.messages ?? []);
      for (const m of messages) {
        this.received += 1;
        try {
          handler(m, envelope.from);
        } catch (err) {
          this.log.error({ channel, err: err instanceof Error ? err.message : String(err) }, "a cluster channel handler failed");
        }
      }
    });
    this.incoming.set(channel, next.catch((err: unknown) => this.log.warn({ channel, err: err instanceof Error ? err.message : String(err) }, "a cluster message could not be read")));
  }

  /** Waits for what was published so far to be sent. */
  async drain(): Promise<void> {
    while (this.flushScheduled || this.sending) await new Promise((r) => setTimeout(r, 5));
  }

  private sending = false;

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.sending) {
      // The batch in flight keeps the order: what came since goes right after it.
      this.flushScheduled = true;
      setTimeout(() => void this.flush(), 1);
      return;
    }
    this.sending = true;
    const batches = [...this.outgoing.entries()];
    this.outgoing.clear();
    try {
      for (const [channel, messages] of batches) {
        for (const payload of await this.envelopes(messages)) {
          await this.pool.query("SELECT pg_notify($1, $2)", [this.pgName(channel), payload]);
        }
        this.published += messages.length;
      }
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, "could not publish to the cluster's channels; those messages are not sent");
    } finally {
      this.sending = false;
    }
  }

  /** Packs messages into NOTIFY payloads under the limit, spilling to a row what does not fit alone. */
  private async envelopes(messages: string[]): Promise<string[]> {
    const out: string[] = [];
    const head = `{"from":${JSON.stringify(this.instance)},"messages":[`;
    let parts: string[] = [];
    let size = Buffer.byteLength(head) + 2;
    const close = (): void => {
      if (parts.length > 0) out.push(`${head}${parts.join(",")}]}`);
      parts = [];
      size = Buffer.byteLength(head) + 2;
    };
    for (const m of messages) {
      const encoded = JSON.stringify(m);
      const bytes = Buffer.byteLength(encoded) + 1;
      if (Buffer.byteLength(head) + 2 + bytes > NOTIFY_LIMIT) {
        close();
        const { rows } = await this.pool.query<{ id: string }>("INSERT INTO wattflow_cluster_payloads (body) VALUES ($1) RETURNING id", [JSON.stringify([m])]);
        out.push(JSON.stringify({ from: this.instance, ref: rows[0]!.id } satisfies Envelope));
        continue;
      }
      if (size + bytes > NOTIFY_LIMIT) close();
      parts.push(encoded);
      size += bytes;
    }
    close();
    return out;
  }

  private async readSpilled(id: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ body: string }>("SELECT body FROM wattflow_cluster_payloads WHERE id = $1", [id]);
    if (!rows[0]) throw new Error(`cluster payload ${id} is gone (older than a minute)`);
    return JSON.parse(rows[0].body) as string[];
  }
}
