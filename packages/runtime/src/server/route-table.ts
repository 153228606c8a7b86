import { match, type MatchFunction } from "path-to-regexp";
import type { HttpHandler, HttpRouter, RouteInfo, RouteMeta } from "../engine/types.js";

interface Route {
  method: string;
  path: string;
  matcher: MatchFunction<Record<string, string | string[]>>;
  handler: HttpHandler;
  meta: RouteMeta;
}

export interface RouteMatch {
  handler: HttpHandler;
  params: Record<string, string>;
  path: string;
  /** The route's own metadata (not a copy: the server reads `cors` on every request). */
  meta: Readonly<RouteMeta>;
}

/**
 * The flow HTTP routes, added and removed as nodes start and stop. A
 * trailing slash is significant (`/solar/data/` is not `/solar/data`),
 * because existing clients call the exact paths their backend served; the
 * flow server redirects the other spelling to the registered one.
 */
export class RouteTable implements HttpRouter {
  private entries: Route[] = [];

  route(method: string, path: string, handler: HttpHandler, meta: RouteMeta = {}): () => void {
    const upper = method.toUpperCase();
    if (this.entries.some((r) => r.method === upper && r.path === path)) {
      throw new Error(`route ${upper} ${path} is already served by another node`);
    }
    const entry: Route = { method: upper, path, matcher: match(path, { decode: decodeURIComponent, trailing: false }), handler, meta: structuredClone(meta) };
    this.entries.push(entry);
    return () => {
      this.entries = this.entries.filter((r) => r !== entry);
    };
  }

  /** The route for a request, or which methods the path allows (for 405) when none matches the method. */
  find(method: string, path: string): RouteMatch | { allowed: string[] } {
    const upper = method.toUpperCase();
    const allowed: string[] = [];
    for (const r of this.entries) {
      const m = r.matcher(path);
      if (!m) continue;
      if (r.method === upper || (upper === "HEAD" && r.method === "GET") || r.method === "ALL") {
        const params: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.params)) params[k] = Array.isArray(v) ? v.join("/") : String(v);
        return { handler: r.handler, params, path: r.path, meta: r.meta };
      }
      allowed.push(r.method);
    }
    return { allowed };
  }

  routes(): RouteInfo[] {
    // Copies, so a reader (the api-docs node) cannot change what another node registered.
    return this.entries.map((r) => ({ method: r.method, path: r.path, meta: structuredClone(r.meta) }));
  }

  /** The same as `routes()`; kept for callers written before route metadata existed. */
  list(): RouteInfo[] {
    return this.routes();
  }
}
