import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocketServer, WebSocket } from "ws";
import type { WsEndpoint, WsHub } from "../engine/types.js";

export interface EndpointStats {
  path: string;
  clients: number;
  sent: number;
  droppedSlowClients: number;
}

interface Endpoint extends WsEndpoint {
  stats(): EndpointStats;
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

let clientCounter = 0;

/**
 * WebSocket endpoints on an HTTP server, matched by exact path (a trailing
 * slash is part of the path). A client that stops reading is dropped once
 * its unsent data passes a bound, so one slow client cannot grow memory.
 */
export class SocketHub implements WsHub {
  private readonly endpoints = new Map<string, Endpoint>();
  /** Sends each broadcast to the other runtimes too (set when runtimes share a cluster). */
  private relay: ((path: string, text: string) => void) | null = null;
  /** Each endpoint's broadcast to this runtime's clients only, for what peers relay here. */
  private readonly localBroadcasts = new Map<string, (text: string) => number>();

  constructor(
    server: Server,
    private readonly log: Logger,
    /** Upgrades on paths this hub does not serve go here (the admin server's event stream). */
    private readonly fallback?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean,
  ) {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const endpoint = this.endpoints.get(path);
      if (endpoint) {
        endpoint.accept(req, socket, head);
        return;
      }
      if (this.fallback?.(req, socket, head)) return;
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + JSON.stringify({ error: "not found", path }));
    });
  }

  endpoint(path: string, options: { heartbeatMs?: number; maxBufferedBytes?: number } = {}): Endpoint {
    if (this.endpoints.has(path)) throw new Error(`WebSocket path ${path} is already served by another node`);
    const endpoint = createEndpoint(path, options.heartbeatMs ?? 30_000, options.maxBufferedBytes ?? 1_000_000, this.log, () => {
      this.endpoints.delete(path);
      this.localBroadcasts.delete(path);
    });
    const local = endpoint.broadcast.bind(endpoint);
    this.localBroadcasts.set(path, (text) => local(text));
    endpoint.broadcast = (data) => {
      const text = typeof data === "string" ? data : JSON.stringify(data);
      this.relay?.(path, text);
      return local(text);
    };
    this.endpoints.set(path, endpoint);
    return endpoint;
  }

  /** Relays every broadcast to the runtime's peers (cluster fan-out). */
  setRelay(relay: (path: string, text: string) => void): void {
    this.relay = relay;
  }

  /** A broadcast a peer relayed: to this runtime's clients of the path, if it serves it. */
  deliverRelayed(path: string, text: string): number {
    return this.localBroadcasts.get(path)?.(text) ?? 0;
  }

  stats(): EndpointStats[] {
    return [...this.endpoints.values()].map((e) => e.stats());
  }

  closeAll(): void {
    for (const e of [...this.endpoints.values()]) e.close();
  }
}

export function createEndpoint(path: string, heartbeatMs: number, maxBufferedBytes: number, log: Logger, onClose: () => void): Endpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_000_000 });
  const alive = new WeakMap<WebSocket, boolean>();
  const ids = new WeakMap<WebSocket, string>();
  let sent = 0;
  let dropped = 0;
  let onMessage: ((data: string, clientId: string) => void) | undefined;

  wss.on("connection", (socket) => {
    alive.set(socket, true);
    ids.set(socket, `c${++clientCounter}`);
    socket.on("pong", () => alive.set(socket, true));
    socket.on("error", (err) => log.debug({ err, path }, "WebSocket client error"));
    socket.on("message", (data, isBinary) => {
      if (!isBinary && onMessage) {
        try {
          onMessage(data.toString(), ids.get(socket)!);
        } catch (err) {
          log.error({ err, path }, "WebSocket message handler failed");
        }
      }
    });
  });

  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (alive.get(socket) === false) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  return {
    path,
    get clientCount() {
      return wss.clients.size;
    },
    broadcast(data) {
      const text = typeof data === "string" ? data : JSON.stringify(data);
      let n = 0;
      for (const socket of wss.clients) {
        if (socket.readyState !== WebSocket.OPEN) continue;
        if (socket.bufferedAmount > maxBufferedBytes) {
          dropped += 1;
          log.warn({ path, buffered: socket.bufferedAmount }, "dropping a WebSocket client that does not keep up");
          socket.terminate();
          continue;
        }
        socket.send(text);
        n += 1;
      }
      sent += n;
      return n;
    },
    onMessage(handler) {
      onMessage = handler;
    },
    accept(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    },
    stats: () => ({ path, clients: wss.clients.size, sent, droppedSlowClients: dropped }),
    close() {
      clearInterval(heartbeat);
      for (const socket of wss.clients) socket.terminate();
      wss.close();
      onClose();
    },
  };
}
