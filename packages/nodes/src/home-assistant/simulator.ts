import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, WebSocket } from "ws";
import { localParts } from "../shared/calendar.js";

export interface HaSimulatorOptions {
  host?: string;
  port?: number;
  token?: string;
  entityId?: string;
  timezone?: string;
  now?: () => number;
  /** Seconds between pushed state changes on the WebSocket API. */
  pushEverySeconds?: number;
}

export interface RunningHaSimulator {
  url: string;
  token: string;
  entityId: string;
  /** Test hooks: force the state text ("unavailable", "1.2"), the unit, or a server error status. */
  override(o: { state?: string | null; unit?: string; status?: number | null }): void;
  close(): Promise<void>;
}

/**
 * The simulated household's power at time `t` (W, without the heat pump),
 * a pure function of the clock: a base load that is lower while the house
 * is empty (10:00 to 16:00), a fridge cycling every 20 minutes, a morning
 * kettle at 07:00 and an evening cooker from 18:00 to 19:30.
 */
export function householdWatts(t: number, timezone = "UTC"): number {
  const p = localParts(t, timezone);
  const h = p.hour + p.minute / 60;
  const away = h >= 10 && h < 16;
  const base = (away ? 110 : 180) + (away ? 30 : 60) * Math.sin(t / 600_000);
  const morning = h >= 7 && h < 7.25 ? 1800 : 0;
  const evening = h >= 18 && h < 19.5 ? 1200 + 300 * Math.sin(t / 120_000) : 0;
  const fridge = Math.floor(t / 1_200_000) % 2 === 0 ? 90 : 0;
  return Math.round((base + morning + evening + fridge) * 10) / 10;
}

/**
 * A Home Assistant that serves one household power sensor, speaking the
 * documented REST (`/api/`, `/api/states/{entity_id}`) and WebSocket
 * (`/api/websocket`: auth, subscribe_events, ping) APIs. The power follows a
 * household day (`householdWatts`).
 */
export async function startHaSimulator(options: HaSimulatorOptions = {}): Promise<RunningHaSimulator> {
  const token = options.token ?? "simulated-token";
  const entityId = options.entityId ?? "sensor.house_power";
  const tz = options.timezone ?? "UTC";
  const now = options.now ?? Date.now;
  let forced: { state?: string | null; unit?: string; status?: number | null } = {};

  const watts = (t: number): number => householdWatts(t, tz);

  const state = () => {
    const t = now();
    const iso = new Date(t).toISOString();
    const unit = forced.unit ?? "W";
    const value = unit === "kW" ? (watts(t) / 1000).toFixed(3) : watts(t).toFixed(1);
    return {
      entity_id: entityId,
      state: forced.state ?? value,
      attributes: { unit_of_measurement: unit, device_class: "power", state_class: "measurement", friendly_name: "House power" },
      last_changed: iso,
      last_updated: iso,
      context: { id: "sim", parent_id: null, user_id: null },
    };
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { message: "Unauthorized" });
    if (forced.status) return send(res, forced.status, { message: "Server error" });
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/api/") return send(res, 200, { message: "API running." });
    if (path === `/api/states/${entityId}`) return send(res, 200, state());
    if (path.startsWith("/api/states/")) return send(res, 404, { message: "Entity not found." });
    send(res, 404, { message: "Not found" });
  });

  const wss = new WebSocketServer({ server, path: "/api/websocket" });
  wss.on("connection", (ws) => {
    let authed = false;
    const subscriptions = new Set<number>();
    ws.send(JSON.stringify({ type: "auth_required", ha_version: "2025.1.0" }));
    const timer = setInterval(() => {
      if (!authed) return;
      const s = state();
      for (const id of subscriptions) ws.send(JSON.stringify({ id, type: "event", event: { event_type: "state_changed", data: { entity_id: entityId, old_state: null, new_state: s } } }));
    }, (options.pushEverySeconds ?? 30) * 1000);
    ws.on("close", () => clearInterval(timer));
    ws.on("message", (data) => {
      const m = JSON.parse(String(data)) as { id?: number; type: string; access_token?: string };
      if (m.type === "auth") {
        authed = m.access_token === token;
        ws.send(JSON.stringify({ type: authed ? "auth_ok" : "auth_invalid", ...(authed ? {} : { message: "Invalid access token" }) }));
        if (!authed) ws.close();
      } else if (!authed) ws.close();
      else if (m.type === "subscribe_events" && m.id !== undefined) {
        subscriptions.add(m.id);
        ws.send(JSON.stringify({ id: m.id, type: "result", success: true, result: null }));
      } else if (m.type === "ping") ws.send(JSON.stringify({ id: m.id, type: "pong" }));
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    token,
    entityId,
    override: (o) => {
      forced = { ...forced, ...o };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { WebSocket };
