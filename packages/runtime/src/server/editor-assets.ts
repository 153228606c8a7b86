/**
 * Serves the built editor's text assets compressed (brotli or gzip, as the
 * browser accepts) with cache headers: the hashed files under /assets/ are
 * cached for a year, index.html is checked on every load so a new build is
 * picked up at once. Each file is compressed once, on its first request.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { NextFunction, Request, Response } from "express";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

interface Variants {
  type: string;
  etag: string;
  plain: Buffer;
  br: Buffer;
  gzip: Buffer;
}

export const IMMUTABLE = "public, max-age=31536000, immutable";

/** Middleware for the editor folder; anything it does not serve goes on to `next` (static files, the index fallback). */
export function editorAssets(dir: string) {
  const root = resolve(dir);
  const cache = new Map<string, Variants>();
  const load = (file: string): Variants | undefined => {
    const known = cache.get(file);
    if (known) return known;
    try {
      if (!statSync(file).isFile()) return undefined;
    } catch {
      return undefined;
    }
    const plain = readFileSync(file);
    const v: Variants = {
      type: TYPES[extname(file)]!,
      etag: `"${createHash("sha256").update(plain).digest("base64url").slice(0, 22)}"`,
      plain,
      br: brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: plain.length } }),
      gzip: gzipSync(plain, { level: 9 }),
    };
    cache.set(file, v);
    return v;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    const path = req.path === "/" ? "/index.html" : req.path;
    if (!TYPES[extname(path)]) return next();
    const file = resolve(join(root, decodeURIComponent(path)));
    if (!file.startsWith(root + sep)) return next();
    const v = load(file);
    if (!v) return next();
    res.setHeader("Content-Type", v.type);
    res.setHeader("Vary", "Accept-Encoding");
    res.setHeader("ETag", v.etag);
    res.setHeader("Cache-Control", path.startsWith("/assets/") ? IMMUTABLE : "no-cache");
    if (req.headers["if-none-match"] === v.etag) return void res.status(304).end();
    const accepts = String(req.headers["accept-encoding"] ?? "");
    const [body, encoding] = /\bbr\b/.test(accepts) ? [v.br, "br"] : /\bgzip\b/.test(accepts) ? [v.gzip, "gzip"] : [v.plain, undefined];
    if (encoding) res.setHeader("Content-Encoding", encoding);
    res.setHeader("Content-Length", String(body.length));
    res.status(200).end(req.method === "HEAD" ? undefined : body);
  };
}
