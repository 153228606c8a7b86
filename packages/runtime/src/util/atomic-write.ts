import { mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface AtomicWriteOptions {
  /** Flush the file and its folder to the disk before resolving (default). Off for what can be rebuilt, such as caches. */
  sync?: boolean;
  /** Permissions of a new file (default 0o666 less the umask). */
  mode?: number;
}

/** Writes then renames in the same folder, so readers and crashes never see half a file. */
export async function writeFileAtomic(path: string, text: string, options: AtomicWriteOptions = {}): Promise<void> {
  const sync = options.sync !== false;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  let handle;
  try {
    handle = await open(temp, "w", options.mode);
    await handle.writeFile(text, "utf8");
    if (sync) await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
    if (sync) await syncFolder(dirname(path));
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** The rename itself lives in the folder's entry list; without this a power cut can undo it. */
async function syncFolder(folder: string): Promise<void> {
  const dir = await open(folder, "r").catch(() => undefined);
  if (!dir) return; // some platforms cannot open folders; the file itself is already synced
  try {
    await dir.sync();
  } catch {
    // fsync on a folder is unsupported on some filesystems; the data is on disk either way
  } finally {
    await dir.close();
  }
}

/**
 * Keeps a file of a cache: its folder made when missing, written atomically without waiting for the disk,
 * and any failure (a read-only installation) only means the next start rebuilds what it held.
 */
export async function keepCacheFile(path: string, text: string, mode?: number): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, text, { sync: false, mode });
  } catch {
    // Rebuilt by the next start that needs it.
  }
}
