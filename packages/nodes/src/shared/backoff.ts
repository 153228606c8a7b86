/** Reconnect delays that double from `minMs` up to `maxMs`, and start over after a success. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}
  next(): number {
    const delay = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt += 1;
    return delay;
  }
  reset(): void {
    this.attempt = 0;
  }
}

/** Bytes to put on a wire for a payload: bytes as they are, text as UTF-8, any other value as JSON. */
export function wireBytes(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  if (typeof payload === "string") return Buffer.from(payload, "utf8");
  return Buffer.from(JSON.stringify(payload ?? null), "utf8");
}
