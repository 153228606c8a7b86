import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * A node's README is its documentation in the editor. It sits beside the
 * source; the built module looks for it there too (`dist/x` → `src/x`).
 */
export function readDocs(moduleUrl: string): string {
  const here = fileURLToPath(new URL("./README.md", moduleUrl));
  for (const candidate of [here, here.replace(/([\\/])dist([\\/])/, "$1src$2")]) {
    try {
      return readFileSync(candidate, "utf8");
    } catch {
      // try the next place
    }
  }
  return "";
}
