import type { RouteInfo } from "@wattflow/runtime";

export interface DocumentInfo {
  title: string;
  version: string;
  description?: string;
}

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: "3.0.3";
  info: DocumentInfo;
  tags?: { name: string }[];
  paths: Record<string, Json>;
  components: Json;
}

/** path-to-regexp parameter names (`:id`, `*rest`), as the route table reads them. */
const PARAM = /[:*]([$_\p{ID_Start}][$\u200c\u200d\p{ID_Continue}]*)/gu;
/** OpenAPI's lower-case operation keys; `ALL` routes are listed under each method http-in serves. */
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
const ALL = ["get", "post", "put", "patch", "delete"];
export const SECURITY_SCHEME = "bearerAuth";

/**
 * `/api/devices/:id` → `/api/devices/{id}`. Optional groups (`/files{/:name}`)
 * have no OpenAPI form: the braces are dropped and the parameter listed as required.
 */
export function openApiPath(path: string): string {
  return path.replace(/[{}]/g, "").replace(PARAM, "{$1}");
}

export function pathParams(path: string): string[] {
  return [...path.matchAll(PARAM)].map((m) => m[1]!);
}

function operationId(method: string, path: string): string {
  const words = path.replace(PARAM, "by_$1").split(/[^A-Za-z0-9_]+/).filter(Boolean);
  return [method, ...words].join("_");
}

function operation(route: RouteInfo, method: string): Json {
  const { meta } = route;
  const parameters: Json[] = pathParams(route.path).map((name) => ({ name, in: "path", required: true, schema: { type: "string" } }));
  for (const q of meta.query ?? []) {
    parameters.push({ name: q.name, in: "query", required: q.required ?? false, ...(q.description ? { description: q.description } : {}), schema: { type: "string" } });
  }
  const responses: Json = {};
  for (const [code, description] of Object.entries(meta.responses ?? { "200": "the flow's answer" })) responses[code] = { description };
  if (meta.auth && !responses["401"]) responses["401"] = { description: "no valid bearer access token" };
  const readsBody = method === "post" || method === "put" || method === "patch";
  return {
    operationId: operationId(method, route.path),
    ...(meta.summary ? { summary: meta.summary } : {}),
    ...(meta.description ? { description: meta.description } : {}),
    ...(meta.tags && meta.tags.length > 0 ? { tags: [...meta.tags] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    // A flow may read any JSON; a route that declared its body gets that schema, and it is then required.
    ...(readsBody ? { requestBody: { required: meta.body !== undefined, content: { "application/json": { schema: meta.body ?? {} } } } } : {}),
    responses,
    ...(meta.auth ? { security: [{ [SECURITY_SCHEME]: [] }] } : {}),
  };
}

/** An OpenAPI 3.0 document of the routes (hidden ones left out), in registration order. */
export function openApiDocument(routes: readonly RouteInfo[], info: DocumentInfo): OpenApiDocument {
  const paths: Record<string, Json> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    if (route.meta.hidden) continue;
    const methods = route.method === "ALL" ? ALL : [route.method.toLowerCase()];
    const item = (paths[openApiPath(route.path)] ??= {});
    for (const m of methods) {
      if (!METHODS.includes(m) || item[m]) continue;
      item[m] = operation(route, m);
    }
    for (const t of route.meta.tags ?? []) tags.add(t);
  }
  return {
    openapi: "3.0.3",
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    ...(tags.size > 0 ? { tags: [...tags].map((name) => ({ name })) } : {}),
    paths,
    components: { securitySchemes: { [SECURITY_SCHEME]: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
  };
}
