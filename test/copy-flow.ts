import { copyFileSync, cpSync, existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Copies a flow file into `flowsDir` with the folder of the same name beside it, which holds its code and pages. */
export function copyShippedFlow(flowFile: URL, flowsDir: string): void {
  const path = fileURLToPath(flowFile);
  const name = basename(path);
  copyFileSync(path, join(flowsDir, name));
  const folder = join(dirname(path), name.replace(/\.json$/, ""));
  if (existsSync(folder)) cpSync(folder, join(flowsDir, basename(folder)), { recursive: true });
}
