import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Writes then renames in the same folder, so readers and crashes never see half a file. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let handle;
  try {
    handle = await open(temp, "w");
    await handle.writeFile(text, "utf8");
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
    await syncFolder(dirname(path));
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
