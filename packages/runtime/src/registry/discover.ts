import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger } from "pino";
import type { AnyConnectionDefinition, AnyNodeDefinition, Simulator } from "./define.js";
import type { Registry } from "./registry.js";

export interface DiscoverOptions {
  registry: Registry;
  /**
   * `node_modules` folders to scan for packages with a `"wattflow"` field; the
   * workspace packages of the project that owns one (`plugins/*`) are scanned too.
   */
  searchDirs: string[];
  /** A configured folder of plugin packages, or loose `.js`/`.mjs` modules. */
  nodesDir?: string;
  log: Logger;
}

export interface DiscoverResult {
  loaded: string[];
  failed: { module: string; error: string }[];
}

interface Candidate {
  name: string;
  /** The package folder (or the loose module's folder). */
  dir: string;
  entries: string[];
  /** A plugin built into this program (the bundled CLI): imported from here, not from `entries`. */
  load?: () => Promise<Record<string, unknown>>;
}

/** Plugins compiled into the running program, by package name; see `provideBuiltinPlugins`. */
const builtinPlugins = new Map<string, () => Promise<Record<string, unknown>>>();

/**
 * Names plugins that are part of the running program (the bundled CLI carries the standard
 * node library): discovery takes them from here instead of importing the installed package,
 * so the nodes and the runtime they were bundled with share one copy of the runtime's modules.
 * Other plugins found on disk load as usual.
 */
export function provideBuiltinPlugins(plugins: Record<string, () => Promise<Record<string, unknown>>>): void {
  for (const [name, load] of Object.entries(plugins)) builtinPlugins.set(name, load);
}

/** `node_modules` folders from `start` up to the filesystem root, nearest first. */
export function nodeModulesChain(start: string): string[] {
  const out: string[] = [];
  let dir = resolve(start);
  for (;;) {
    out.push(join(dir, "node_modules"));
    const parent = dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The plugin a package folder holds, or null. Read synchronously: a start reads every installed package's
 * manifest (hundreds), and one read each on this thread takes a fraction of the time the same reads take as
 * promises queued through the I/O thread pool. Only a manifest that mentions "wattflow" is parsed.
 */
function readManifest(dir: string): Manifest | null {
  let pkg: Manifest;
  try {
    const text = readFileSync(join(dir, "package.json"), "utf8");
    if (!text.includes('"wattflow"')) return null;
    pkg = JSON.parse(text) as Manifest;
  } catch {
    return null;
  }
  return pkg.wattflow ? pkg : null;
}

interface Manifest {
  name?: string;
  wattflow?: { nodes?: string | string[] };
}

/** A plugin package's candidate; `dir` is its real path, which its entries are resolved against. */
function candidateOf(dir: string, pkg: Manifest): Candidate {
  const nodes = pkg.wattflow?.nodes;
  const entries = (Array.isArray(nodes) ? nodes : nodes ? [nodes] : []).map((e) => resolve(dir, e));
  return { name: pkg.name ?? dir, dir, entries };
}

/** Lists a folder; nothing when it is not one (or cannot be read). */
function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function packagesIn(nodeModules: string): string[] {
  const out: string[] = [];
  for (const entry of listDir(nodeModules)) {
    if (entry.startsWith(".")) continue;
    const path = join(nodeModules, entry);
    if (!entry.startsWith("@")) out.push(path);
    else for (const scoped of listDir(path)) out.push(join(path, scoped));
  }
  return out;
}

/** The real path, so a package linked in from elsewhere is taken once. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The package folders of the workspace whose `node_modules` this is (its
 * `package.json` lists `workspaces`, e.g. `plugins/*`), so a plugin created in
 * a checkout is found before `npm install` has linked it. Patterns are plain
 * folders or `folder/*`.
 */
async function workspacePackages(nodeModules: string): Promise<string[]> {
  const root = dirname(nodeModules);
  let workspaces: unknown;
  try {
    workspaces = (JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { workspaces?: unknown }).workspaces;
  } catch {
    return [];
  }
  if (!Array.isArray(workspaces)) return [];
  const out: string[] = [];
  for (const pattern of workspaces) {
    if (typeof pattern !== "string") continue;
    if (pattern.endsWith("/*") && !pattern.slice(0, -2).includes("*")) {
      const folder = resolve(root, pattern.slice(0, -2));
      if (!(await isDir(folder))) continue;
      for (const entry of (await readdir(folder)).sort()) if (!entry.startsWith(".")) out.push(join(folder, entry));
    } else if (!pattern.includes("*")) out.push(resolve(root, pattern));
  }
  return out;
}

function isDefinition(value: unknown): value is AnyNodeDefinition {
  const v = value as Partial<AnyNodeDefinition> | null;
  return !!v && typeof v.type === "string" && typeof v.create === "function" && typeof v.config === "object" && Array.isArray(v.outputs);
}

function isConnection(value: unknown): value is AnyConnectionDefinition {
  const v = value as Partial<AnyConnectionDefinition> | null;
  return !!v && typeof v.type === "string" && typeof v.create === "function" && typeof v.config === "object" && !("outputs" in v);
}

/** Accepts `default: {nodes, connections}`, a definition, an array of them, or named `nodes`/`connections`. */
function definitionsOf(mod: Record<string, unknown>): { nodes: AnyNodeDefinition[]; connections: AnyConnectionDefinition[] } {
  const nodes: AnyNodeDefinition[] = [];
  const connections: AnyConnectionDefinition[] = [];
  const take = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(take);
    if (isDefinition(value)) nodes.push(value);
    else if (isConnection(value)) connections.push(value);
    else if (value && typeof value === "object") {
      const v = value as { nodes?: unknown; connections?: unknown };
      if (Array.isArray(v.nodes)) v.nodes.forEach(take);
      if (Array.isArray(v.connections)) v.connections.forEach(take);
    }
  };
  take(mod.default);
  if (mod.default === undefined || (!isDefinition(mod.default) && !Array.isArray(mod.default) && !(mod.default as { nodes?: unknown })?.nodes)) {
    take({ nodes: mod.nodes, connections: mod.connections });
  }
  return { nodes: [...new Set(nodes)], connections: [...new Set(connections)] };
}

async function importEntry(entry: string, packageDir: string): Promise<Record<string, unknown>> {
  // The usual reason in a checkout: the plugin was scaffolded or pulled but not built yet.
  if (!(await stat(entry).then((info) => info.isFile(), () => false))) throw new Error(`${entry} does not exist (not built yet? run npm run build in ${packageDir})`);
  return (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
}

/**
 * Finds plugin packages and registers their node and connection types. A
 * plugin that fails to load is reported and skipped; the rest still load.
 */
export async function discoverPlugins(options: DiscoverOptions): Promise<DiscoverResult> {
  const { registry, log } = options;
  const result: DiscoverResult = { loaded: [], failed: [] };
  const seen = new Set<string>();
  const candidates: Candidate[] = [...builtinPlugins].map(([name, load]) => ({ name, dir: "", entries: [], load }));

  for (const dir of new Set(options.searchDirs.map((d) => resolve(d)))) {
    const workspace = basename(dir) === "node_modules" ? await workspacePackages(dir) : [];
    // Taken in listing order, so the first of duplicates (by real path) wins.
    for (const pkgDir of [...packagesIn(dir), ...workspace]) {
      const pkg = readManifest(pkgDir);
      if (!pkg) continue;
      const real = realPath(pkgDir);
      if (seen.has(real)) continue;
      seen.add(real);
      const c = candidateOf(real, pkg);
      if (!builtinPlugins.has(c.name)) candidates.push(c);
    }
  }
  if (options.nodesDir && (await isDir(options.nodesDir))) {
    for (const entry of (await readdir(options.nodesDir)).sort()) {
      const path = resolve(options.nodesDir, entry);
      if (/\.(m?js)$/.test(entry)) candidates.push({ name: `${options.nodesDir}/${entry}`, dir: options.nodesDir, entries: [path] });
      else if (await isDir(path)) {
        const real = await realpath(path);
        if (seen.has(real)) continue;
        seen.add(real);
        const pkg = readManifest(real);
        if (pkg) candidates.push(candidateOf(real, pkg));
      }
    }
  }

  for (const c of candidates) {
    const fail = (error: string): void => {
      result.failed.push({ module: c.name, error });
      registry.reportFailedPlugin(c.name, error);
      log.error({ plugin: c.name }, `plugin ${c.name} skipped: ${error}`);
    };
    if (c.entries.length === 0 && !c.load) {
      fail('its "wattflow" field names no modules (expected "wattflow": { "nodes": "./dist/index.js" })');
      continue;
    }
    try {
      let count = 0;
      const modules = c.load ? [c.load] : c.entries.map((entry) => () => importEntry(entry, c.dir));
      for (const loadModule of modules) {
        const mod = await loadModule();
        const defs = definitionsOf(mod);
        for (const n of defs.nodes) registry.registerNode(n, c.name);
        for (const k of defs.connections) registry.registerConnection(k, c.name);
        count += defs.nodes.length + defs.connections.length;
        const sims = (mod.simulators ?? (mod.default as { simulators?: unknown } | undefined)?.simulators) as Record<string, Simulator> | undefined;
        for (const [name, sim] of Object.entries(sims ?? {})) if (typeof sim?.start === "function") registry.registerSimulator(name, sim, c.name);
      }
      if (count === 0) fail("it exports no node or connection definitions");
      else result.loaded.push(c.name);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
  }
  return result;
}
