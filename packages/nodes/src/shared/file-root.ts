import { realpath, lstat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep, dirname } from "node:path";
import type { NodeHandle } from "@wattflow/runtime";

/**
 * The folder file nodes may touch: the node's `root`, else the runtime setting
 * WATTFLOW_FILE_ROOT, else the data folder (WATTFLOW_DATA, default `.wattflow`).
 */
export function fileRoot(node: NodeHandle, configured: string | undefined): string {
  return resolve(configured || node.env("WATTFLOW_FILE_ROOT") || node.env("WATTFLOW_DATA") || ".wattflow");
}

/** How a node names itself in errors: `file "log-writer"`. */
export function nodeLabel(node: NodeHandle): string {
  return `${node.type} "${node.name ?? node.id}"`;
}

export class PathRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PathRefused";
  }
}

const inside = (root: string, target: string): boolean => {
  const rel = relative(root, target);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
};

/** The nearest existing ancestor of `path` (itself when it exists), without following a final symlink. */
async function nearestExisting(path: string): Promise<string> {
  let p = path;
  for (;;) {
    try {
      await lstat(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/**
 * Resolves a relative path under `root`, refusing what could leave it: an
 * absolute path, a `..` segment, or a symlink (anywhere on the way, the file
 * itself included) that points outside. `who` names the node in the error.
 */
export async function resolveUnderRoot(root: string, path: string, who: string): Promise<string> {
  if (path === "") throw new PathRefused(`${who}: no file name (config "filename" or msg.filename)`);
  if (path.includes("\0")) throw new PathRefused(`${who}: file name contains a NUL character`);
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path)) throw new PathRefused(`${who}: "${path}" is an absolute path; file names are relative to the root folder ${root}`);
  if (path.split(/[\\/]/).includes("..")) throw new PathRefused(`${who}: "${path}" contains "..", which could leave the root folder ${root}`);
  const target = join(root, path);
  // Symlinks are followed the way the OS will follow them; the real place must still be under the real root.
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    throw new PathRefused(`${who}: the root folder ${root} does not exist`);
  }
  const existing = await nearestExisting(target);
  let realExisting: string;
  try {
    realExisting = await realpath(existing);
  } catch {
    // A dangling symlink: where it points cannot be checked, so it is refused.
    throw new PathRefused(`${who}: "${path}" passes through a broken symlink`);
  }
  if (!inside(realRoot, realExisting)) throw new PathRefused(`${who}: "${path}" leads outside the root folder ${root} through a symlink`);
  return join(realExisting, relative(existing, target));
}
