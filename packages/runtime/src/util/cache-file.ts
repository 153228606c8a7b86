import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
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
