import { readFile, stat } from "node:fs/promises";
import type { Request, Response } from "express";
import type { Engine } from "../engine/engine.js";
import { FILE_KEYWORD } from "../registry/define.js";
import type { RouteDoc } from "./openapi.js";

/** A file a deployed node's config references (a function's code file), as the editor shows it. */
export interface NodeFile {
  /** The path as the flow file writes it, relative to the flow file. */
  path: string;
  text: string;
}

/** Larger files are refused: the view is for code a person reads, not data. */
export const NODE_FILE_LIMIT = 1024 * 1024;

type FileRoute = RouteDoc & { handler: (req: Request, res: Response) => Promise<void> };

/**
 * Read-only access to the files deployed nodes reference (fields their type
 * marks as files, such as a function's `file`). Only those: the path is the
 * one the deploy resolved and checked inside the flow's folder, so no request
 * can name another file.
 */
export function flowFileRoutes(engine: () => Engine): FileRoute[] {
  return [
    {
      method: "get",
      path: "/api/flows/:id/nodes/:node/files/:field",
      summary: "The text of a file a deployed node's config references (read-only)",
      responses: { 200: "{ path, text }", 404: "no such deployed node or file field", 413: "file too large" },
      handler: async (q, r) => {
        const flowId = String(q.params.id);
        const nodeId = String(q.params.node);
        const field = String(q.params.field);
        const flow = engine().running(flowId);
        const node = flow?.nodes.find((n) => n.id === nodeId);
        if (!flow || !node) return void r.status(404).json({ error: "not found", message: `no deployed node ${nodeId} in flow ${flowId} (deploy it first)` });
        const prop = (node.definition.config.properties as Record<string, Record<string, unknown>> | undefined)?.[field];
        const absolute = node.config[field];
        if (prop?.[FILE_KEYWORD] !== true || typeof absolute !== "string" || absolute === "") {
          return void r.status(404).json({ error: "not found", message: `node ${nodeId} has no file in "${field}"` });
        }
        const written = flow.document.nodes.find((n) => n.id === nodeId)?.config?.[field];
        try {
          if ((await stat(absolute)).size > NODE_FILE_LIMIT) return void r.status(413).json({ error: "too large", message: `${String(written ?? field)} is over ${NODE_FILE_LIMIT} bytes` });
          r.json({ path: typeof written === "string" ? written : absolute, text: await readFile(absolute, "utf8") } satisfies NodeFile);
        } catch (err) {
          r.status(404).json({ error: "not found", message: `cannot read ${String(written ?? field)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
        }
      },
    },
  ];
}
