/**
 * The two ends of an isolated flow (the main thread and its worker) talk over
 * one port in batches: what one turn of the event loop says goes out as one
 * postMessage (one structured clone), which is most of what a message
 * crossing the boundary costs. Calls get answers; notes do not.
 */

/** An error as it crosses: enough to rebuild one with the same name, message and stack. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

export type Packet =
  | { k: "call"; id: number; op: string; args: unknown[] }
  | { k: "reply"; id: number; ok: true; value: unknown }
  | { k: "reply"; id: number; ok: false; error: WireError }
  | { k: "note"; op: string; args: unknown[] };

/** What a Worker and a worker's parentPort have in common. */
export interface PortLike {
  postMessage(value: unknown): void;
  on(event: "message", listener: (value: unknown) => void): unknown;
}

export type Handler = (...args: never[]) => unknown;

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack !== undefined ? { stack: err.stack } : {}) };
  return { name: "Error", message: String(err) };
}

export function fromWireError(wire: WireError): Error {
  const err = new Error(wire.message);
  err.name = wire.name;
  if (wire.stack !== undefined) err.stack = wire.stack;
  return err;
}

export class Channel {
  private outbox: Packet[] = [];
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private readonly handlers = new Map<string, Handler>();
  private closedWith: Error | null = null;
  /** Notes with their own answer to "cannot be copied" (see noteOrElse). */
  private readonly fallbacks = new WeakMap<Packet, (err: Error) => void>();

  constructor(
    private readonly port: PortLike,
    /** A note that could not be copied across, or a note nobody handles: said, never thrown. */
    private readonly onProblem: (text: string) => void,
  ) {
    port.on("message", (batch) => {
      for (const packet of batch as Packet[]) this.receive(packet);
    });
  }

  /** Handles calls and notes named `op`; a call's answer is what the handler returns (or resolves to). */
  handle(op: string, handler: Handler): void {
    this.handlers.set(op, handler);
  }

  call<T = unknown>(op: string, ...args: unknown[]): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.post({ k: "call", id, op, args });
    });
  }

  note(op: string, ...args: unknown[]): void {
    if (this.closedWith) return;
    this.post({ k: "note", op, args });
  }

  /** A note whose arguments may not copy (user data): `uncopyable` hears it instead of the log. */
  noteOrElse(uncopyable: (err: Error) => void, op: string, ...args: unknown[]): void {
    if (this.closedWith) return;
    const packet: Packet = { k: "note", op, args };
    this.fallbacks.set(packet, uncopyable);
    this.post(packet);
  }

  /** The other end is gone: every call waiting for an answer fails with `reason`. */
  close(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    this.outbox = [];
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(reason);
  }

  private post(packet: Packet): void {
    // While a batch that could not be copied goes item by item, what its fallbacks post goes right after the
    // item it replaces, ahead of the batch's later items (a wire's messages keep their order).
    if (this.inline) return void this.inline.push(packet);
    if (this.outbox.push(packet) === 1) queueMicrotask(this.flush);
  }

  private inline: Packet[] | null = null;

  private readonly flush = (): void => {
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 0 || this.closedWith) return;
    try {
      this.port.postMessage(batch);
    } catch {
      // Something in the batch cannot be copied (a function, a socket): the rest still goes, item by item.
      const inline: Packet[] = [];
      this.inline = inline;
      try {
        for (const packet of batch) {
          this.postAlone(packet);
          while (inline.length > 0) this.postAlone(inline.shift()!);
        }
      } finally {
        this.inline = null;
      }
    }
  };

  private postAlone(packet: Packet): void {
    try {
      this.port.postMessage([packet]);
    } catch (err) {
      const why = `cannot be copied to the other thread (${err instanceof Error ? err.message : String(err)})`;
      if (packet.k === "call") {
        const w = this.waiting.get(packet.id);
        this.waiting.delete(packet.id);
        w?.reject(new Error(`${packet.op}: its arguments ${why}`));
      } else if (packet.k === "reply") {
        this.port.postMessage([{ k: "reply", id: packet.id, ok: false, error: { name: "DataCloneError", message: `the answer ${why}` } } satisfies Packet]);
      } else {
        const fallback = this.fallbacks.get(packet);
        if (fallback) fallback(new Error(why));
        else this.onProblem(`${packet.op}: ${why}`);
      }
    }
  }

  private receive(packet: Packet): void {
    if (packet.k === "reply") {
      const w = this.waiting.get(packet.id);
      if (!w) return;
      this.waiting.delete(packet.id);
      if (packet.ok) w.resolve(packet.value);
      else w.reject(fromWireError(packet.error));
      return;
    }
    const handler = this.handlers.get(packet.op) as ((...args: unknown[]) => unknown) | undefined;
    if (packet.k === "note") {
      if (!handler) return this.onProblem(`nobody handles "${packet.op}"`);
      try {
        handler(...packet.args);
      } catch (err) {
        this.onProblem(`${packet.op} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      return;
    }
    const id = packet.id;
    const answer = (value: unknown): void => this.post({ k: "reply", id, ok: true, value });
    const fail = (err: unknown): void => this.post({ k: "reply", id, ok: false, error: toWireError(err) });
    if (!handler) return fail(new Error(`nobody handles "${packet.op}"`));
    try {
      const result = handler(...packet.args);
      if (result !== null && typeof result === "object" && typeof (result as Promise<unknown>).then === "function") {
        (result as Promise<unknown>).then(answer, fail);
      } else answer(result);
    } catch (err) {
      fail(err);
    }
  }
}

/** Buffers cross as Uint8Arrays: a message's payload (or an HTTP body) is made a Buffer again, without a copy. */
export function asBuffer<T>(value: T): T | Buffer {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/** The message with a payload that crossed as a Uint8Array made a Buffer again. */
export function withBufferPayload<M extends { payload?: unknown }>(msg: M): M {
  const p = msg.payload;
  if (p instanceof Uint8Array && !Buffer.isBuffer(p)) return { ...msg, payload: asBuffer(p) };
  return msg;
}
