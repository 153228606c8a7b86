import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { defineNode, FILE_KEYWORD, Type, type HttpReply } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
};

/** The file as last read, and what identifies that version on disk. */
interface Cached {
  mtimeMs: number;
  size: number;
  body: string;
}

export default defineNode({
  type: "http-file",
  category: "network",
  summary: "Serves a file next to the flow (a dashboard page, a script) at a GET path; re-read when the file changes.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    path: Type.String({ pattern: "^/", description: "GET route; a trailing slash is significant" }),
    file: Type.String({ minLength: 1, description: "the file to serve, relative to the flow file (e.g. heatpump/dashboard.html)", [FILE_KEYWORD]: true }),
    contentType: Type.Optional(Type.String({ minLength: 1, description: "content-type header (default: from the file's extension)" })),
    summary: Type.Optional(Type.String({ description: "shown in the API docs" })),
  }),
  inputs: 0,
  outputs: [],
  create(node, c) {
    const contentType = c.contentType ?? CONTENT_TYPES[extname(c.file).toLowerCase()] ?? "application/octet-stream";
    let cached: Cached | undefined;
    // One stat per request: an edited page is served at once, an unchanged one is not read again.
    const current = async (): Promise<string> => {
      const s = await stat(c.file);
      if (cached?.mtimeMs !== s.mtimeMs || cached.size !== s.size) cached = { mtimeMs: s.mtimeMs, size: s.size, body: await readFile(c.file, "utf8") };
      return cached.body;
    };
    return {
      start() {
        node.http.route(
          "GET",
          c.path,
          async (): Promise<HttpReply> => {
            try {
              return { status: 200, headers: { "content-type": contentType, "cache-control": "no-cache" }, body: await current() };
            } catch (err) {
              node.log.error({ err }, `${node.flowId}/${node.id}: cannot read ${c.file}`);
              return { status: 404, headers: { "content-type": "application/json" }, body: { detail: "Not found." } };
            }
          },
          c.summary !== undefined ? { summary: c.summary } : {},
        );
      },
    };
  },
});
