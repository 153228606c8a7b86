// `npm run build` step: bundles the CLI (the runtime and the standard node library, from their dist/) into
// packages/runtime/bundle/, which `npm start` runs. ~480 separate modules cost about a second of CPU at
// every start; the bundle loads a few files, and each node type's implementation and heavy libraries stay
// in chunks of their own, imported when a flow first uses them, as from dist/.
import { build } from "esbuild";
import { existsSync } from "node:fs";
import { readFile, readdir, rm } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "packages/runtime/bundle");
const dist = (path) => join(root, "packages", path);

/**
 * Imported from node_modules at run time, not bundled: native bindings (found by path from their own folder),
 * libraries that start worker threads from files beside them (pino's transports), optional peers, and
 * iconv-lite, whose half a megabyte of encoding tables loads on first use from node_modules (bundled, its text
 * would sit in the chunk every start loads), and mime-db, the admin server's table of media types: required
 * from node_modules it is read with JSON.parse, several times faster than compiling the same table bundled as
 * a JavaScript object literal, whose text would also stay in the heap.
 */
const EXTERNAL = new Set(["better-sqlite3", "bindings", "pg", "pg-native", "pino", "pino-pretty", "thread-stream", "modbus-serial", "serialport", "@serialport/bindings-cpp", "fsevents", "bufferutil", "utf-8-validate", "iconv-lite", "mime-db"]);
const packageOf = (spec) => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);

/** Worker programs started by URL (`new URL("./x.js", import.meta.url)`): bundled as entries of their own. */
const WORKERS = [{ file: dist("runtime/dist/engine/isolation/flow-worker.js"), entry: join(root, "scripts/bundle-flow-worker.mjs"), out: "flow-worker" }].filter((w) =>
  existsSync(w.file),
);

const ours = /[\\/]packages[\\/](runtime|nodes)[\\/]dist[\\/].*\.js$/;
const wattflow = {
  name: "wattflow",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:") || args.path.startsWith("@wattflow/")) return undefined;
      return EXTERNAL.has(packageOf(args.path)) ? { path: args.path, external: true } : undefined;
    });
    b.onLoad({ filter: ours }, async (args) => {
      let text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return { contents: text, loader: "js" };
      // A worker's URL names the bundled worker, which sits beside every chunk (the output folder is flat).
      for (const w of WORKERS) {
        const name = JSON.stringify(`./${relative(dirname(args.path), w.file).split("\\").join("/")}`);
        text = text.replaceAll(`new URL(${name}, import.meta.url)`, `new URL(${JSON.stringify(`./${w.out}.mjs`)}, import.meta.url)`);
      }
      // Everything else our modules find beside them (node READMEs, templates, the editor, the validator
      // cache, createRequire's resolution) stays where it was: the module's own URL, relative to the bundle.
      const own = `new URL(${JSON.stringify(relative(outdir, args.path).split("\\").join("/"))}, import.meta.url).href`;
      text = text.replace(/new URL\(("\.\/[\w-]+\.mjs"), import\.meta\.url\)|import\.meta\.url/g, (match, worker) => (worker ? match : own));
      return { contents: text, loader: "js", resolveDir: dirname(args.path) };
    });
  },
};

for (const needed of [dist("runtime/dist/cli/main.js"), dist("nodes/dist/index.js")]) {
  if (!existsSync(needed)) throw new Error(`${relative(root, needed)} is missing: run tsc -b packages/runtime packages/nodes first (npm run build does)`);
}
const result = await build({
  entryPoints: [{ in: join(root, "scripts/bundle-entry.mjs"), out: "wattflow" }, ...WORKERS.map((w) => ({ in: w.entry, out: w.out }))],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  absWorkingDir: root,
  outdir,
  outExtension: { ".js": ".mjs" },
  chunkNames: "[name]-[hash]",
  // CommonJS libraries inside an ES module bundle still call require() for Node's built-in modules.
  banner: { js: 'import { createRequire as __wattflowCreateRequire } from "node:module";\nconst require = __wattflowCreateRequire(import.meta.url);' },
  plugins: [wattflow],
  // Whitespace and syntax only: V8 keeps each chunk's source text in the heap (about 3 MB less with the demo
  // flow); names stay as written, and `node --enable-source-maps` maps stack traces back to the modules.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
});
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".mjs"));
// Written over the previous bundle rather than into an emptied folder, so a CLI running from it keeps finding
// its chunks while this runs; what the new bundle no longer has is removed afterwards.
const kept = new Set(Object.keys(result.metafile.outputs).map((f) => relative(outdir, join(root, f))));
for (const old of await readdir(outdir)) if (!kept.has(old)) await rm(join(outdir, old), { force: true });
console.log(`bundle: ${relative(root, outdir)}/ (${files.length} files; ${WORKERS.length} worker program(s))`);
