import type { HttpRequest } from "@wattflow/runtime";

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Absolute links to other pages, as DRF's `replace_query_param` writes them:
 * built from the request's Host (or X-Forwarded-Host/Proto behind a proxy),
 * the query sorted by name, and no `page` on the link to the first page.
 */
export function pageLinker(req: HttpRequest, pageParam: string): (page: number) => string {
  const proto = String(first(req.headers["x-forwarded-proto"]) ?? "http").split(",")[0]!.trim();
  const host = String(first(req.headers["x-forwarded-host"]) ?? first(req.headers.host) ?? "localhost").split(",")[0]!.trim();
  const base = `${proto}://${host}${req.path}`;
  const kept: [string, string][] = [];
  for (const [k, v] of Object.entries(req.query)) if (k !== pageParam) for (const x of Array.isArray(v) ? v : [v]) kept.push([k, x]);
  return (page) => {
    const params = page > 1 ? [...kept, [pageParam, String(page)] as [string, string]] : [...kept];
    params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const s = new URLSearchParams(params).toString();
    return s ? `${base}?${s}` : base;
  };
}
