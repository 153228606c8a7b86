import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * A node's README is its documentation in the editor. It sits beside the
 * source; the built module looks for it there too (`dist/x` → `src/x`).
 * Definitions read it in a `docs` getter, when the catalog is asked for (the
 * editor's palette), so a start reads no READMEs and keeps none in memory.
 */
export function readDocs(moduleUrl: string): string {
  const here = fileURLToPath(new URL("./README.md", moduleUrl));
  // The source folder first: that is where READMEs are, built or not, so the usual read needs no failed attempt.
  for (const candidate of [here.replace(/([\\/])dist([\\/])/, "$1src$2"), here]) {
    try {
      return readFileSync(candidate, "utf8");
    } catch {
      // try the next place
    }
  }
  return "";
}
