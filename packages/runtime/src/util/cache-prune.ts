import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
// Node's own timer functions, not the global ones: a test's fake clock neither counts nor holds this housekeeping.
import { clearTimeout, setTimeout } from "node:timers";
import { isCacheFileUsed } from "./cache-file.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A cache file no start has used for this long is removed (see noteCacheFileUsed: a start that uses one renews its time). */
export const CACHE_UNUSED_MS = 30 * DAY_MS;
/** A writer's temporary file this old was left by a process that stopped mid-write (a write takes milliseconds). */
const TEMP_MS = 60 * 60 * 1000;
/** Files looked at per folder and run, so a folder grown large costs one run a bounded amount (the rest go in later runs). */
const PER_RUN = 2000;

/** What a file in the cache is: kept while used, of a kind no longer written, a writer's temporary file, or not the cache's. */
type Kind = "kept" | "stale" | "temp" | "other";

/** The cache's folders and their files; anything else in WATTFLOW_CACHE_DIR is not the cache's and is left alone. */
const FOLDERS: Record<string, (name: string) => Kind> = {
  validators: (name) =>
    isTemp(name) ? "temp" : name.endsWith(".cjs") || name.endsWith(".results.json") ? "kept" : name.endsWith(".v8") ? "stale" : "other",
  expressions: (name) => (isTemp(name) ? "temp" : /^jsonata-[^/]+\.json$/.test(name) ? "kept" : "other"),
};

/** A name writeFileAtomic gives its temporary files. */
function isTemp(name: string): boolean {
  return name.startsWith(".") && name.endsWith(".tmp");
}

export interface PruneOptions {
  /** Files unused for longer go (default CACHE_UNUSED_MS). */
  unusedMs?: number;
  /** The time to judge by (tests). */
  now?: number;
}

/**
 * Removes from a cache folder (WATTFLOW_CACHE_DIR) what no start needs: files of kinds no longer written
 * (`validators/*.v8`), temporary files a crashed writer left, and validators, kept results and expression lists
 * whose modification time is older than `unusedMs`, unless this process uses them. Every start renews the time
 * of the files it uses, so with several runtimes sharing the folder a file goes only when none of them used it
 * for that long. Safe at any moment: a reader finds a file whole or missing, and a missing one only means a
 * start compiles it again. Returns the paths removed; never throws.
 */
export async function pruneCache(dir: string, options: PruneOptions = {}): Promise<string[]> {
  const now = options.now ?? Date.now();
  const unusedMs = options.unusedMs ?? CACHE_UNUSED_MS;
  const removed: string[] = [];
  for (const [folder, kindOf] of Object.entries(FOLDERS)) {
    const names = await readdir(join(dir, folder)).catch(() => [] as string[]);
    // A random starting point: a folder larger than one run's share is covered over several runs.
    const start = names.length > PER_RUN ? Math.floor(Math.random() * names.length) : 0;
    for (let i = 0; i < Math.min(names.length, PER_RUN); i++) {
      const name = names[(start + i) % names.length]!;
      const file = join(dir, folder, name);
      const kind = kindOf(name);
      if (kind === "other" || (kind === "kept" && isCacheFileUsed(file))) continue;
      try {
        if (kind !== "stale") {
          const age = now - (await stat(file)).mtimeMs;
          if (age <= (kind === "temp" ? TEMP_MS : unusedMs)) continue;
        }
        await unlink(file);
        removed.push(file);
      } catch {
        // Removed by another runtime meanwhile, or not ours to remove.
      }
    }
  }
  return removed;
}

/**
 * Prunes the cache `delayMs` after a start, off its path (the start's own cache writes are done by then).
 * Logs what went at debug; never the reason the process stays up. Returns a function that cancels it.
 */
export function pruneCacheLater(dir: string | null, log: { debug: (msg: string) => void }, delayMs = 30_000): () => void {
  if (dir === null) return () => undefined;
  const timer = setTimeout(() => {
    pruneCache(dir).then(
      (removed) => {
        if (removed.length > 0) log.debug(`cache ${dir}: removed ${removed.length} files no start used for ${CACHE_UNUSED_MS / DAY_MS} days or no longer written`);
      },
      // pruneCache does not throw; this only keeps a surprise from becoming an unhandled rejection.
      (err: unknown) => log.debug(`cache ${dir}: pruning failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
}
