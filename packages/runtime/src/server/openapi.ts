export interface RouteDoc {
  method: "get" | "post" | "put" | "delete";
  path: string;
  summary: string;
  /** Names of query parameters. */
  query?: string[];
  body?: string;
  responses: Record<string, string>;
  open?: boolean;
}

/** The admin API's OpenAPI document, built from the same list the routes are registered from. */
export function openApiDocument(routes: readonly RouteDoc[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z]+)/g, "{$1}");
    const params = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    for (const q of r.query ?? []) params.push({ name: q, in: "query", required: false, schema: { type: "string" } });
    paths[path] ??= {};
    paths[path]![r.method] = {
      summary: r.summary,
      ...(params.length ? { parameters: params } : {}),
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: { description: r.body } } } } } : {}),
      responses: Object.fromEntries(Object.entries(r.responses).map(([code, description]) => [code, { description }])),
      ...(r.open ? { security: [] } : {}),
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Wattflow admin API", version, description: "Flows, revisions, node catalog, status, health and metrics of a Wattflow runtime." },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  };
}
