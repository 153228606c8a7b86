import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { keepCacheFile } from "@wattflow/runtime";
// Node's own timer functions, not the global ones: a test's fake clock neither counts nor holds this housekeeping.
import { clearTimeout, setTimeout } from "node:timers";

/** Expressions kept; the oldest go first. */
const LIMIT = 4000;
/** Written this long after the last use: by then the deploy that used them is over. */
const WRITE_DELAY_MS = 500;

/**
 * JSONata expressions that parsed before, kept on disk by a hash of their text (one file per JSONata version).
 * A deploy checks each expression's syntax; an expression known to parse is not parsed again to be checked,
 * and its node parses it when it first evaluates it: a start then parses only what runs (with every shipped
 * flow, parsing was about 30 ms of a start, and the trees of expressions that have not run yet take no heap).
 * Only expressions that parsed are kept, so a syntax error is always the parser's own. Nothing stays in memory
 * once the list is written.
 */
export class KnownExpressions {
  private hashes: Set<string> | undefined;
  private added = false;
  private timer: NodeJS.Timeout | undefined;

  /** `file` null keeps nothing (every expression is parsed at deploy). */
  constructor(private readonly file: string | null) {}

  has(text: string): boolean {
    return this.file !== null && this.loaded().has(hash(text));
  }

  add(text: string): void {
    if (this.file === null) return;
    const hashes = this.loaded();
    const key = hash(text);
    if (hashes.has(key)) return;
    hashes.add(key);
    this.added = true;
  }

  /** Writes what was added now and lets go of the list (tests; a runtime lets the timer do it). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const hashes = this.hashes;
    const added = this.added;
    this.hashes = undefined;
    this.added = false;
    if (!added || !hashes || this.file === null) return;
    // Where it cannot be written (a read-only installation), every start parses at deploy.
    await keepCacheFile(this.file, JSON.stringify([...hashes].slice(-LIMIT)));
  }

  private loaded(): Set<string> {
    this.hashes ??= readHashes(this.file!);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), WRITE_DELAY_MS);
    // Never the reason a process stays up.
    this.timer.unref();
    return this.hashes;
  }
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 24);
}

/** A file cut short, from elsewhere or missing reads as an empty list. */
function readHashes(file: string): Set<string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    return new Set(Array.isArray(parsed) ? parsed.filter((h): h is string => typeof h === "string") : []);
  } catch {
    return new Set();
  }
}
