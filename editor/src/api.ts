/** The admin API, as the editor calls it. Types are the runtime's own. */
import type { RuntimeEvent } from "../../packages/runtime/src/api/types.js";
export type * from "../../packages/runtime/src/api/types.js";

const TOKEN_KEY = "wattflow-token";

export class Unauthorized extends Error {}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** GET requests started before the editor has drawn anything, each handed out once to the first `api` call for its path. */
const early = new Map<string, Promise<{ status: number; body: unknown }>>();

/** Starts the requests the editor makes first, at page load rather than after React's first render. */
export function prefetch(paths: readonly string[]): void {
  for (const path of paths) {
    const request = api("GET", path);
    // A failure (a login needed) is met by the call that takes the request; until then it is not unhandled.
    request.catch(() => undefined);
    early.set(path, request);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const started = method === "GET" && body === undefined ? early.get(path) : undefined;
  if (started) {
    early.delete(path);
    return started as Promise<{ status: number; body: T }>;
  }
  const token = localStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401 && !path.startsWith("/api/auth/")) throw new Unauthorized();
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The live event stream; reconnects when the runtime restarts. */
export function subscribe(onEvent: (e: RuntimeEvent) => void): () => void {
  let socket: WebSocket | null = null;
  let stopped = false;
  let retry: number | undefined;
  const open = (): void => {
    const token = localStorage.getItem(TOKEN_KEY);
    const url = new URL("/api/events", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    // A WebSocket cannot carry an Authorization header, and a token in the URL would land in logs: it goes as a subprotocol.
    socket = new WebSocket(url, token ? ["wattflow.events", `wattflow.bearer.${base64url(token)}`] : []);
    socket.onmessage = (m) => onEvent(JSON.parse(String(m.data)) as RuntimeEvent);
    socket.onclose = () => {
      if (!stopped) retry = window.setTimeout(open, 1000);
    };
  };
  open();
  return () => {
    stopped = true;
    window.clearTimeout(retry);
    socket?.close();
  };
}
