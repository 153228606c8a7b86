import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { stat, utimes } from "node:fs/promises";
// Node's own timer functions, not the global ones: a test's fake clock neither counts nor holds this housekeeping.
import { clearTimeout, setTimeout } from "node:timers";

/** A short name for a text (a cache key): base64url of its SHA-256, `length` characters. */
export function shortHash(text: string, length: number): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, length);
}

/** The parsed JSON of a cache file; undefined when it is missing, cut short or not JSON (the cache is then rebuilt). */
export function readJsonIfThere(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Calls `write` once uses have stopped for `delayMs` (each `touch` pushes it back): a cache read during a deploy is
 * written, and let go of, once the deploy is over. It is never the reason a process stays up.
 */
export class QuietTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: () => void,
    private readonly delayMs = 500,
  ) {}

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.write, this.delayMs);
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A file older than this is given the current time when this process uses it: reading alone does not change it. */
const REFRESH_AFTER_MS = 24 * 60 * 60 * 1000;
const usedFiles = new Set<string>();
let unrefreshed: string[] = [];
const refreshLater = new QuietTimer(() => void refreshCacheFileTimes(), 1000);

/**
 * Notes that this process uses a cache file, or will (a validator loaded when first needed, or one a kept result
 * answered for). Pruning (cache-prune.ts) never removes such a file, and once uses have stopped its modification
 * time is brought to now when it is more than a day old, so a runtime sharing the folder sees it in use too.
 */
export function noteCacheFileUsed(file: string): void {
  if (usedFiles.has(file)) return;
  usedFiles.add(file);
  unrefreshed.push(file);
  refreshLater.touch();
}

export function isCacheFileUsed(file: string): boolean {
  return usedFiles.has(file);
}

/** Brings the times of the files used since the last call up to date (a runtime lets the timer do it). Never throws. */
export async function refreshCacheFileTimes(): Promise<void> {
  refreshLater.cancel();
  const files = unrefreshed;
  unrefreshed = [];
  for (const file of files) {
    try {
      const now = Date.now();
      if (now - (await stat(file)).mtimeMs > REFRESH_AFTER_MS) await utimes(file, now / 1000, now / 1000);
    } catch {
      // Not written yet, removed meanwhile or not ours to change: whoever needs it rebuilds it.
    }
  }
}
