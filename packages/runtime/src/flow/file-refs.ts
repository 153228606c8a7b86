import { readFileSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import type { TObject } from "@sinclair/typebox";
import { FILE_KEYWORD } from "../registry/define.js";
import { sha256 } from "./canonical.js";
import type { Problem } from "./validate.js";

export interface ResolvedFiles {
  /** The config with each file field made an absolute path (the document keeps the relative one). */
  config: Record<string, unknown>;
  /** sha256 of each referenced file's contents, by field: a changed file makes a redeploy restart the node. */
  digests: Record<string, string>;
  problems: Problem[];
}

/**
 * Resolves config fields marked as file references against the flow's
 * folder and reads them once, so a missing file refuses the deploy (naming
 * node and field) instead of failing the node at start.
 */
export function resolveFileRefs(schema: TObject, config: Record<string, unknown>, baseDir: string | undefined): ResolvedFiles {
  const out: Record<string, unknown> = { ...config };
  const digests: Record<string, string> = {};
  const problems: Problem[] = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const value = config[name];
    if ((prop as Record<string, unknown>)[FILE_KEYWORD] !== true || typeof value !== "string" || value === "") continue;
    if (isAbsolute(value) || value.split(/[\\/]/).includes("..")) {
      problems.push({ pointer: `/${name}`, message: `"${value}" must be a path inside the flow's folder, relative to the flow file (e.g. "myflow/code.js")` });
      continue;
    }
    if (baseDir === undefined) {
      problems.push({ pointer: `/${name}`, message: `"${value}" is relative to the flow file, but this flow has no folder` });
      continue;
    }
    const path = resolve(baseDir, value);
    try {
      digests[name] = sha256(readFileSync(path, "utf8"));
      out[name] = path;
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      problems.push({ pointer: `/${name}`, message: `cannot read "${value}" (${relative(process.cwd(), path) || path}): ${reason}` });
    }
  }
  return { config: out, digests, problems };
}
