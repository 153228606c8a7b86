import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, WebSocket } from "ws";
import type { RuntimeEvent } from "../api/types.js";
import type { NodeStats } from "../engine/engine.js";

const RECENT = 200;

/** The subprotocol the event stream speaks; the server answers with it, never with the token. */
export const EVENTS_PROTOCOL = "wattflow.events";
const BEARER_PROTOCOL = "wattflow.bearer.";

/**
 * The token a browser offered as the subprotocol `wattflow.bearer.<base64url token>`
 * (browsers cannot set an Authorization header on a WebSocket).
 */
export function bearerFromProtocols(req: IncomingMessage): string | undefined {
  const offered = String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim());
  const entry = offered.find((p) => p.startsWith(BEARER_PROTOCOL));
  if (!entry) return undefined;
  const token = Buffer.from(entry.slice(BEARER_PROTOCOL.length), "base64url").toString("utf8");
  return token === "" ? undefined : token;
}
const MAX_BUFFERED = 4_000_000;

/**
 * The admin event stream: debug messages, status changes, deploys, errors,
 * log lines and message counts, to every editor connected to /api/events.
 */
export class EventHub {
  private readonly recent: RuntimeEvent[] = [];
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
  });
  private readonly filters = new WeakMap<WebSocket, Set<string> | null>();
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private lastCounts = new Map<string, { in: number; out: number[] }>();
  private countsTimer: NodeJS.Timeout | undefined;
  droppedClients = 0;

  /** Sends every event to connected clients and keeps the last ones for clients that join later. */
  publish(event: RuntimeEvent): void {
    if (event.type !== "counts" && event.type !== "log") {
      this.recent.push(event);
      if (this.recent.length > RECENT) this.recent.shift();
    }
    for (const l of this.listeners) l(event);
    if (this.wss.clients.size === 0) return;
    const text = JSON.stringify(event);
    for (const socket of this.wss.clients) {
      const filter = this.filters.get(socket);
      if (filter && !filter.has(event.type)) continue;
      this.sendTo(socket, text);
    }
  }

  /** In-process subscription (tests, the CLI). */
  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recentEvents(): RuntimeEvent[] {
    return [...this.recent];
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const types = new URL(req.url ?? "/", "http://localhost").searchParams.get("types");
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const filter = types ? new Set(types.split(",").map((t) => t.trim())) : null;
      this.filters.set(ws, filter);
      ws.on("error", () => ws.terminate());
      for (const e of this.recent) if (!filter || filter.has(e.type)) this.sendTo(ws, JSON.stringify(e));
    });
  }

  /** Emits `counts` once a second for the nodes whose message counts moved. */
  startCounts(stats: () => NodeStats[], everyMs = 1000): void {
    this.countsTimer = setInterval(() => {
      const counts: Record<string, { in: number; out: number[] }> = {};
      const next = new Map<string, { in: number; out: number[] }>();
      let moved = false;
      for (const s of stats()) {
        const key = `${s.flowId}/${s.nodeId}`;
        const now = { in: s.received, out: s.sent };
        next.set(key, now);
        const before = this.lastCounts.get(key);
        const delta = { in: now.in - (before?.in ?? 0), out: now.out.map((n, i) => n - (before?.out[i] ?? 0)) };
        if (delta.in !== 0 || delta.out.some((n) => n !== 0)) {
          counts[key] = delta;
          moved = true;
        }
      }
      this.lastCounts = next;
      if (moved) this.publish({ type: "counts", time: new Date().toISOString(), counts });
    }, everyMs);
    this.countsTimer.unref();
  }

  close(): void {
    clearInterval(this.countsTimer);
    for (const socket of this.wss.clients) socket.terminate();
    this.wss.close();
  }

  private sendTo(socket: WebSocket, text: string): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED) {
      this.droppedClients += 1;
      socket.terminate();
      return;
    }
    socket.send(text);
  }
}
