import type { WsEndpoint, WsHub } from "../engine/types.js";

/** A WebSocket hub that records broadcasts instead of opening sockets (for node tests). */
export class MemoryWsHub implements WsHub {
  readonly frames = new Map<string, unknown[]>();
  private readonly handlers = new Map<string, (data: string, clientId: string) => void>();

  endpoint(path: string): WsEndpoint {
    if (this.frames.has(path)) throw new Error(`WebSocket path ${path} is already served by another node`);
    const frames: unknown[] = [];
    this.frames.set(path, frames);
    return {
      path,
      broadcast: (data) => {
        frames.push(data);
        return 1;
      },
      clientCount: 1,
      onMessage: (handler) => {
        this.handlers.set(path, handler);
      },
      close: () => {
        this.frames.delete(path);
        this.handlers.delete(path);
      },
    };
  }

  /** Simulates a client sending `data` on `path`. */
  receive(path: string, data: string, clientId = "test-client"): void {
    this.handlers.get(path)?.(data, clientId);
  }
}
