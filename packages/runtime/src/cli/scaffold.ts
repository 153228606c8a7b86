import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "./io.js";

const templates = resolve(dirname(fileURLToPath(import.meta.url)), "../../templates/node");

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

/** Writes `wattflow-node-NAME/` from the templates; returns its path. */
export async function scaffoldNode(name: string, into: string): Promise<string> {
  if (!validNodeName(name)) throw new UserError(`"${name}" is not a node name: use kebab-case like power-scale`);
  const target = resolve(into, `wattflow-node-${name}`);
  if (await stat(target).then(() => true, () => false)) throw new UserError(`${target} already exists; not overwriting it`);
  for (const file of await listFiles(templates)) {
    const text = (await readFile(join(templates, file), "utf8")).replaceAll("__NAME__", name).replaceAll("__IDENT__", identifier(name));
    const out = join(target, file.replace(/\.tmpl$/, "").replace("node.test.ts", `${name}.test.ts`));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
  }
  return target;
}
