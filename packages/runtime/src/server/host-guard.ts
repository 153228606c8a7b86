import type { IncomingMessage } from "node:http";
import { isLoopback } from "./auth.js";

/**
 * Which `Host` and `Origin` headers the admin API answers to. A page on
 * another site can make a browser send requests to 127.0.0.1 (directly, or
 * by rebinding its own DNS name to it); checking both headers is what keeps
 * such a page from deploying flows that run code as the runtime's user.
 */
export interface HostGuardOptions {
  /** The address the admin server listens on; trusted as a Host name unless it is a wildcard. */
  boundHost: string;
  /** Further names (`--allowed-hosts`), e.g. the machine's DNS name or LAN address. */
  allowedHosts?: readonly string[];
}

export type HostCheck = { ok: true } | { ok: false; message: string };

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]", ""]);

/** The host name of a `Host` header value without its port, lower case; IPv6 keeps its brackets. */
export function hostName(value: string): string {
  const v = value.trim().toLowerCase();
  if (v.startsWith("[")) {
    const end = v.indexOf("]");
    return end === -1 ? v : v.slice(0, end + 1);
  }
  const colon = v.indexOf(":");
  // More than one colon is a bare IPv6 address (no port can be told apart).
  if (colon !== -1 && v.indexOf(":", colon + 1) === -1) return v.slice(0, colon);
  return v.includes(":") ? `[${v}]` : v;
}

/** `--allowed-hosts a.example,192.168.1.5` → host names. */
export function parseAllowedHosts(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter((h) => h !== "")
    .map(hostName);
}

export class HostGuard {
  private readonly names: Set<string>;

  constructor(options: HostGuardOptions) {
    this.names = new Set((options.allowedHosts ?? []).map(hostName));
    const bound = hostName(options.boundHost);
    if (!WILDCARDS.has(options.boundHost.trim()) && !WILDCARDS.has(bound)) this.names.add(bound);
  }

  private allowsName(name: string): boolean {
    return isLoopback(name) || this.names.has(name);
  }

  /** Whether a request (HTTP or WebSocket upgrade) may be served, and if not, why. */
  check(req: IncomingMessage): HostCheck {
    const host = req.headers.host;
    if (!host) return { ok: false, message: "the request has no Host header; the admin API answers only requests addressed to it by an allowed name" };
    const name = hostName(host);
    if (!this.allowsName(name)) {
      return {
        ok: false,
        message: `Host "${host}" is not allowed: the admin API answers to localhost, 127.0.0.1, [::1], the address it is bound to, and the names in --allowed-hosts (WATTFLOW_ALLOWED_HOSTS)`,
      };
    }
    const origin = req.headers.origin;
    if (origin === undefined) return { ok: true };
    if (!sameOrigin(origin, host)) {
      return { ok: false, message: `Origin "${origin}" is not allowed: the admin API accepts requests from its own pages only (Origin must match Host "${host}")` };
    }
    return { ok: true };
  }
}

/** The Origin names the same host and port the request was addressed to (http or https, for a TLS proxy in front). */
function sameOrigin(origin: string, host: string): boolean {
  let o: URL;
  let h: URL;
  try {
    o = new URL(origin);
    h = new URL(`${o.protocol}//${host}`);
  } catch {
    return false; // "null" (sandboxed frames, file:) and anything malformed
  }
  if (o.protocol !== "http:" && o.protocol !== "https:") return false;
  return o.host === h.host;
}
