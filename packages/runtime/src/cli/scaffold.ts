import { mkdir, readdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "./io.js";

/** This runtime's package folder (the one holding bin/, dist/ and templates/). */
const runtimePackage = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const templates = join(runtimePackage, "templates/node");

export function validNodeName(name: string): boolean {
  return /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name);
}

function identifier(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) + "Node";
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), join(prefix, entry.name))));
    else out.push(join(prefix, entry.name));
  }
  return out;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The nearest folder from `start` up whose package.json makes `plugins/*` a workspace: a Wattflow checkout or a project set up like one. */
export async function findPluginWorkspace(start: string): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    const workspaces = (await readJson(join(dir, "package.json")))?.workspaces;
    if (Array.isArray(workspaces) && workspaces.includes("plugins/*")) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface ScaffoldOptions {
  /** Where to create the package: `plugins/` of the workspace when unset and inside one, else the working folder. */
  dir?: string;
  /** Where to look for a workspace (the working folder). */
  cwd?: string;
}

export interface Scaffolded {
  path: string;
  /** How the package gets @wattflow/runtime: from the workspace, or from this installed runtime by path. */
  runtime: "workspace" | "file";
  /** What to run next, for people. */
  next: string;
}

/**
 * Writes a node plugin package from the templates. In a workspace with
 * `plugins/*` it becomes `plugins/NAME`, built and tested with the
 * repository; elsewhere `wattflow-node-NAME` depends on this runtime by path
 * (`file:`), so `npm install` needs nothing that is not published yet.
 */
export async function scaffoldNode(name: string, options: ScaffoldOptions = {}): Promise<Scaffolded> {
  if (!validNodeName(name)) throw new UserError(`"${name}" is not a node name: use kebab-case like power-scale`);
  const cwd = resolve(options.cwd ?? process.cwd());
  const workspace = options.dir === undefined ? await findPluginWorkspace(cwd) : undefined;
  const target = workspace ? join(workspace, "plugins", name) : resolve(cwd, options.dir ?? ".", `wattflow-node-${name}`);
  if (await stat(target).then(() => true, () => false)) throw new UserError(`${target} already exists; not overwriting it`);

  const runtimeVersion = String((await readJson(join(runtimePackage, "package.json")))?.version ?? "0.1.0");
  // The real folder, so the path still holds when the runtime was reached through a symlink (npm link, workspaces).
  const runtimeDir = await realpath(runtimePackage);
  const runtimeSpec = workspace ? runtimeVersion : `file:${runtimeDir}`;
  const values: Record<string, string> = {
    __NAME__: name,
    __IDENT__: identifier(name),
    __RUNTIME_SPEC__: runtimeSpec,
    __RUNTIME_VERSION__: runtimeVersion,
  };
  for (const file of await listFiles(templates)) {
    let text = await readFile(join(templates, file), "utf8");
    for (const [key, value] of Object.entries(values)) text = text.replaceAll(key, value);
    const out = join(target, file.replace(/\.tmpl$/, "").replace("node.test.ts", `${name}.test.ts`));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
  }
  const shown = relative(cwd, target) || ".";
  const next = workspace
    ? `next: npm install (links the new workspace), then npm run build -w ${relative(workspace, target)} && npm test -w ${relative(workspace, target)}; wattflow start finds it`
    : `next: cd ${shown} && npm install && npm test && npm run build; then wattflow start --nodes ${dirname(shown)}`;
  return { path: target, runtime: workspace ? "workspace" : "file", next };
}
