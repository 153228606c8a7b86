import WebSocket from "ws";
import { httpFetch, type HttpResponse } from "../shared/http-client.js";

export interface HaState {
  entity_id: string;
  state: string;
  attributes: { unit_of_measurement?: string; device_class?: string; friendly_name?: string; [k: string]: unknown };
  last_changed: string;
  last_updated: string;
}

export class HaError extends Error {
  constructor(
    message: string,
    readonly kind: "auth" | "not-found" | "unreachable" | "server",
  ) {
    super(message);
    this.name = "HaError";
  }
}

/** Home Assistant's REST and WebSocket APIs, as far as a power sensor needs them. The token never leaves this object. */
export class HaClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async state(entityId: string): Promise<HaState> {
    let res: HttpResponse;
    try {
      res = await httpFetch(new URL(`/api/states/${encodeURIComponent(entityId)}`, this.baseUrl), {
        headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      throw new HaError(`Home Assistant at ${new URL(this.baseUrl).host} unreachable: ${e.name === "TimeoutError" ? `no answer within ${this.timeoutMs} ms` : ((e.cause as Error | undefined)?.message ?? e.message)}`, "unreachable");
    }
    if (res.status === 401) throw new HaError("Home Assistant refused the token (401): check HA_TOKEN", "auth");
    if (res.status === 404) throw new HaError(`Home Assistant has no entity ${entityId} (404)`, "not-found");
    if (!res.ok) throw new HaError(`Home Assistant answered ${res.status} for ${entityId}`, "server");
    return (await res.json()) as HaState;
  }

  /**
   * Subscribes to state changes of one entity over the WebSocket API
   * (auth, subscribe_events, heartbeats); reconnects with backoff. Returns a stop function.
   */
  subscribe(entityId: string, onState: (state: HaState) => void, onProblem: (err: HaError) => void): () => void {
    let stopped = false;
    let socket: WebSocket | null = null;
    let backoff = 1000;
    let retry: NodeJS.Timeout | undefined;
    let ping: NodeJS.Timeout | undefined;
    const url = new URL("/api/websocket", this.baseUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const connect = (): void => {
      let id = 0;
      socket = new WebSocket(url);
      socket.on("message", (data) => {
        const m = JSON.parse(String(data)) as { type: string; event?: { data?: { entity_id?: string; new_state?: HaState } } };
        if (m.type === "auth_required") socket!.send(JSON.stringify({ type: "auth", access_token: this.token }));
        else if (m.type === "auth_invalid") {
          onProblem(new HaError("Home Assistant refused the token on the WebSocket API: check HA_TOKEN", "auth"));
          socket!.close();
        } else if (m.type === "auth_ok") {
          backoff = 1000;
          socket!.send(JSON.stringify({ id: ++id, type: "subscribe_events", event_type: "state_changed" }));
          ping = setInterval(() => socket?.send(JSON.stringify({ id: ++id, type: "ping" })), 30_000);
        } else if (m.type === "event" && m.event?.data?.entity_id === entityId && m.event.data.new_state) onState(m.event.data.new_state);
      });
      socket.on("error", (err) => onProblem(new HaError(`Home Assistant WebSocket: ${err.message}`, "unreachable")));
      socket.on("close", () => {
        clearInterval(ping);
        if (stopped) return;
        retry = setTimeout(connect, backoff);
        backoff = Math.min(60_000, backoff * 2);
      });
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(ping);
      socket?.close();
    };
  }
}
