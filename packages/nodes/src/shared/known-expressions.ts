import { QuietTimer, keepCacheFile, noteCacheFileUsed, readJsonIfThere, shortHash } from "@wattflow/runtime";

/** Expressions kept; the oldest go first. */
const LIMIT = 4000;
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
  private readonly writeLater = new QuietTimer(() => void this.flush());

  /** `file` null keeps nothing (every expression is parsed at deploy). */
  constructor(private readonly file: string | null) {}

  has(text: string): boolean {
    return this.file !== null && this.loaded().has(shortHash(text, 24));
  }

  add(text: string): void {
    if (this.file === null) return;
    const hashes = this.loaded();
    const key = shortHash(text, 24);
    if (hashes.has(key)) return;
    hashes.add(key);
    this.added = true;
  }

  /** Writes what was added now and lets go of the list (tests; a runtime lets the timer do it). */
  async flush(): Promise<void> {
    this.writeLater.cancel();
    const hashes = this.hashes;
    const added = this.added;
    this.hashes = undefined;
    this.added = false;
    if (!added || !hashes || this.file === null) return;
    // Where it cannot be written (a read-only installation), every start parses at deploy.
    await keepCacheFile(this.file, JSON.stringify([...hashes].slice(-LIMIT)));
  }

  private loaded(): Set<string> {
    if (!this.hashes) {
      noteCacheFileUsed(this.file!);
      this.hashes = readHashes(this.file!);
    }
    this.writeLater.touch();
    return this.hashes;
  }
}

/** A file cut short, from elsewhere or missing reads as an empty list. */
function readHashes(file: string): Set<string> {
  const parsed = readJsonIfThere(file);
  return new Set(Array.isArray(parsed) ? parsed.filter((h): h is string => typeof h === "string") : []);
}
