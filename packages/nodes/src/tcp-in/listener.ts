import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { LineSplitter } from "./line-splitter.js";

/** The peer of a connection; one frozen object per connection, shared by all its messages. */
export interface Client {
  readonly address: string;
  readonly port: number;
}

export interface LineServerOptions {
  host: string;
  port: number;
  maxLineBytes: number;
  closeOnOversize: boolean;
  maxConnections: number;
}

/** What the listener reports; it knows nothing about messages or the engine. */
export interface LineServerEvents {
  line(client: Client, label: string, bytes: Buffer, lineNo: number): void;
  oversize(client: Client, label: string, bytes: number, lineNo: number, complete: boolean): void;
  /** A connection opened or closed. */
  connections(count: number): void;
  /** A connection over `maxConnections` was closed at once. */
  refused(label: string): void;
  socketError(label: string, err: Error): void;
}

const labelOf = (address: string, port: number): string => (address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`);

/**
 * A TCP server framing each connection into lines. Reading can be paused for
 * every connection at once (backpressure), and closing ends every socket.
 */
export class LineServer {
  private readonly server: Server;
  private readonly sockets = new Map<Socket, LineSplitter>();
  private paused = false;
  private closed = false;

  constructor(
    private readonly options: LineServerOptions,
    private readonly events: LineServerEvents,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Starts listening; resolves with the bound address (the real port when `port` is 0). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once("error", onError);
      this.server.listen({ host: this.options.host, port: this.options.port }, () => {
        this.server.off("error", onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Errors of a listening server (rare: the socket failed under it). */
  onServerError(handler: (err: Error) => void): void {
    this.server.on("error", handler);
  }

  /** Stops every connection at once, mid-line-batch included (callable from the `line` event). */
  pause(): void {
    this.paused = true;
    for (const [socket, splitter] of this.sockets) {
      splitter.pause();
      socket.pause();
    }
  }

  resume(): void {
    this.paused = false;
    if (this.closed) return;
    for (const [socket, splitter] of [...this.sockets]) {
      // Lines held back are delivered first; they may fill the queue again.
      splitter.resume();
      if (this.paused) return;
      socket.resume();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sockets.keys()) s.destroy();
    this.sockets.clear();
    // Resolves on ERR_SERVER_NOT_RUNNING too: a server that never listened has nothing to close.
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? "unknown";
    const port = socket.remotePort ?? 0;
    const label = labelOf(address, port);
    if (this.closed || this.sockets.size >= this.options.maxConnections) {
      socket.destroy();
      if (!this.closed) this.events.refused(label);
      return;
    }
    const client: Client = Object.freeze({ address, port });
    const splitter = new LineSplitter(
      { maxLineBytes: this.options.maxLineBytes, stopOnOversize: this.options.closeOnOversize },
      {
        line: (bytes, lineNo) => this.events.line(client, label, bytes, lineNo),
        oversize: (bytes, lineNo, complete) => {
          this.events.oversize(client, label, bytes, lineNo, complete);
          if (this.options.closeOnOversize) socket.destroy();
        },
      },
    );
    this.sockets.set(socket, splitter);
    if (this.paused) {
      splitter.pause();
      socket.pause();
    }
    // Telemetry clients that vanish (power cut, NAT timeout) would otherwise hold a slot forever.
    socket.setKeepAlive(true, 60_000);
    socket.on("data", (chunk: Buffer) => splitter.push(chunk));
    socket.on("end", () => splitter.end());
    socket.on("error", (err) => this.events.socketError(label, err));
    socket.on("close", () => {
      splitter.stop();
      if (this.sockets.delete(socket)) this.events.connections(this.sockets.size);
    });
    this.events.connections(this.sockets.size);
  }
}
