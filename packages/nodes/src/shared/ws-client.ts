import WebSocket, { type RawData } from "ws";
import type { NodeTimers, TimerHandle } from "@wattflow/runtime";
import { Backoff } from "./backoff.js";

export interface WsClientOptions {
  url: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Largest frame accepted; a bigger one closes the connection (code 1009) and a reconnect follows. */
  maxPayload: number;
}

export interface WsClientEvents {
  open(): void;
  message?(data: Buffer, isBinary: boolean): void;
  /** The connection ended (or never opened); the next attempt is in `retryMs`. */
  down(reason: string, retryMs: number): void;
}

/** Flattens a `ws` frame to one Buffer. */
const bytesOf = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/** A WebSocket client that reconnects with backoff until closed. */
export class ReconnectingWs {
  private socket: WebSocket | undefined;
  private retry: TimerHandle | undefined;
  private closed = false;
  private readonly backoff: Backoff;

  constructor(
    private readonly options: WsClientOptions,
    private readonly timers: NodeTimers,
    private readonly events: WsClientEvents,
  ) {
    this.backoff = new Backoff(options.reconnectMinMs, Math.max(options.reconnectMinMs, options.reconnectMaxMs));
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.options.url, { maxPayload: this.options.maxPayload, handshakeTimeout: 10_000 });
    this.socket = ws;
    let why = "closed";
    ws.on("open", () => {
      this.backoff.reset();
      this.events.open();
    });
    ws.on("message", (data, isBinary) => this.events.message?.(bytesOf(data), isBinary));
    ws.on("error", (err) => {
      why = err.message;
    });
    ws.on("close", (code, reason) => {
      if (this.socket === ws) this.socket = undefined;
      if (this.closed) return;
      const text = reason.length > 0 ? `${code} ${reason.toString()}` : why === "closed" ? `closed (${code})` : why;
      const delay = this.backoff.next();
      this.events.down(text, delay);
      this.retry = this.timers.setTimeout(() => this.connect(), delay);
    });
  }

  /** Sends one frame; rejects when not connected or the send fails. */
  send(data: string | Buffer): Promise<void> {
    const ws = this.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("not connected"));
    return new Promise((resolve, reject) => ws.send(data, { binary: typeof data !== "string" }, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    this.closed = true;
    this.retry?.cancel();
    const ws = this.socket;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once("close", () => resolve());
      // A connection still handshaking cannot close cleanly: it is cut.
      if (ws.readyState === WebSocket.OPEN) ws.close(1001, "node closed");
      else ws.terminate();
      setTimeout(() => (ws.terminate(), resolve()), 1000).unref();
    });
  }
}

/** Where a WebSocket URL may point: ws:// or wss:// only. */
export function checkWsUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  return parsed.protocol === "ws:" || parsed.protocol === "wss:" ? undefined : `"${url}" is not a ws:// or wss:// URL`;
}
