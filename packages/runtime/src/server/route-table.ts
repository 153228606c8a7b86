import { match, type MatchFunction } from "path-to-regexp";
import type { HttpHandler, HttpRouter } from "../engine/types.js";

interface Route {
  method: string;
  path: string;
  matcher: MatchFunction<Record<string, string | string[]>>;
  handler: HttpHandler;
}

export interface RouteMatch {
  handler: HttpHandler;
  params: Record<string, string>;
  path: string;
}

/**
 * The flow HTTP routes, added and removed as nodes start and stop. A
 * trailing slash is significant (`/solar/data/` is not `/solar/data`),
 * because existing clients call the exact paths their backend served.
 */
export class RouteTable implements HttpRouter {
  private routes: Route[] = [];

  route(method: string, path: string, handler: HttpHandler): () => void {
    const upper = method.toUpperCase();
    if (this.routes.some((r) => r.method === upper && r.path === path)) {
      throw new Error(`route ${upper} ${path} is already served by another node`);
    }
    const entry: Route = { method: upper, path, matcher: match(path, { decode: decodeURIComponent, trailing: false }), handler };
    this.routes.push(entry);
    return () => {
      this.routes = this.routes.filter((r) => r !== entry);
    };
  }

  /** The route for a request, or which methods the path allows (for 405) when none matches the method. */
  find(method: string, path: string): RouteMatch | { allowed: string[] } {
    const upper = method.toUpperCase();
    const allowed: string[] = [];
    for (const r of this.routes) {
      const m = r.matcher(path);
      if (!m) continue;
      if (r.method === upper || (upper === "HEAD" && r.method === "GET") || r.method === "ALL") {
        const params: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.params)) params[k] = Array.isArray(v) ? v.join("/") : String(v);
        return { handler: r.handler, params, path: r.path };
      }
      allowed.push(r.method);
    }
    return { allowed };
  }

  list(): { method: string; path: string }[] {
    return this.routes.map((r) => ({ method: r.method, path: r.path }));
  }
}
