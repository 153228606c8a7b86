import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { openApiDocument } from "./openapi.js";
import { docsPage } from "./page.js";

const route = (fallback: string, what: string) => Type.String({ pattern: "^/", default: fallback, description: `GET route of the ${what}; a trailing slash is significant` });

export default defineNode({
  type: "api-docs",
  category: "network",
  summary: "Serves an OpenAPI 3.0 document of every flow route on the server, and a page that lists them.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    schemaPath: route("/api/schema/", "OpenAPI JSON document"),
    docsPath: route("/api/docs/", "HTML docs page"),
    title: Type.String({ minLength: 1, default: "Wattflow flow API" }),
    version: Type.String({ minLength: 1, default: "1.0.0", description: "the API's version, shown in info.version" }),
    description: Type.Optional(Type.String()),
  }),
  inputs: 0,
  outputs: [],
  create(node, c) {
    if (c.schemaPath === c.docsPath) throw new Error(`schemaPath and docsPath are both ${c.schemaPath}: give them different paths`);
    const info = { title: c.title, version: c.version, ...(c.description ? { description: c.description } : {}) };
    // Built per request: flows deploy and stop while the server runs, and the document follows them.
    const current = () => openApiDocument(node.http.routes(), info);
    return {
      start() {
        node.http.route("GET", c.schemaPath, () => ({ status: 200, headers: { "cache-control": "no-cache" }, body: current() }), { hidden: true });
        node.http.route(
          "GET",
          c.docsPath,
          () => ({
            status: 200,
            headers: {
              "content-type": "text/html; charset=utf-8",
              "cache-control": "no-cache",
              // The page is self-contained; nothing may load from elsewhere.
              "content-security-policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:",
            },
            body: docsPage(current(), c.schemaPath),
          }),
          { hidden: true },
        );
      },
    };
  },
});
