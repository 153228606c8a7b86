import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes a throwaway node plugin package, `<pluginsDir>/<name>`, whose
 * `index.js` is `source` (ES module text exporting `{ nodes: [...] }`), as the
 * runtime discovers plugins in a `--nodes` folder. Returns its folder.
 */
export function writePlugin(pluginsDir: string, name: string, source: string): string {
  const dir = join(pluginsDir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `wattflow-node-${name}`, type: "module", wattflow: { nodes: "./index.js" } }));
  writeFileSync(join(dir, "index.js"), source);
  return dir;
}
