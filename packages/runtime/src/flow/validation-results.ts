import { join } from "node:path";
import { keepCacheFile } from "../util/atomic-write.js";
import { QuietTimer, noteCacheFileUsed, readJsonIfThere, shortHash } from "../util/cache-file.js";

/** Results kept per schema; the oldest go first. */
const PER_SCHEMA = 1000;
/**
 * What validation made of a value the last times it passed (defaults filled in, values coerced), kept on disk
 * beside the validators (`<schema key>.results.json`) by the value's exact JSON text. A start whose flows did
 * not change takes its configs from here and loads no config validator: with every shipped flow, about 50
 * validator scripts, 1 MB of code and several MB of heap that only a changed config needs again. Only values
 * that passed are kept, so a value that fails is always judged by the validator itself. Nothing stays in
 * memory once the results are written.
 */
export class ValidationResults {
  /** Schema key → (hash of the value's JSON → JSON of what validation made of it), newest last. */
  private readonly bySchema = new Map<string, Map<string, string>>();
  private readonly changed = new Set<string>();
  private readonly writeLater = new QuietTimer(() => void this.flush());

  constructor(private readonly dir: string) {}

  /** The JSON of what validation made of the value whose JSON is `input` when it last passed, or undefined. */
  recall(schemaKey: string, input: string): string | undefined {
    return this.results(schemaKey).get(shortHash(input, 32));
  }

  remember(schemaKey: string, input: string, output: unknown): void {
    const results = this.results(schemaKey);
    const key = shortHash(input, 32);
    results.delete(key);
    results.set(key, JSON.stringify(output));
    for (const oldest of results.keys()) {
      if (results.size <= PER_SCHEMA) break;
      results.delete(oldest);
    }
    this.changed.add(schemaKey);
  }

  /** Writes what changed now and lets go of everything read (tests; a runtime lets the timer do it). */
  async flush(): Promise<void> {
    this.writeLater.cancel();
    const writes = [...this.changed].map((key) => [key, Object.fromEntries(this.bySchema.get(key) ?? [])] as const);
    this.changed.clear();
    this.bySchema.clear();
    for (const [key, results] of writes) await keepCacheFile(this.fileOf(key), JSON.stringify(results), 0o600);
  }

  private results(schemaKey: string): Map<string, string> {
    let results = this.bySchema.get(schemaKey);
    if (!results) {
      const file = this.fileOf(schemaKey);
      noteCacheFileUsed(file);
      results = new Map(Object.entries(readResults(file)));
      this.bySchema.set(schemaKey, results);
    }
    this.writeLater.touch();
    return results;
  }

  private fileOf(schemaKey: string): string {
    return join(this.dir, `${schemaKey}.results.json`);
  }
}

/** A file cut short, from elsewhere or missing reads as no results. */
function readResults(file: string): Record<string, string> {
  const parsed = readJsonIfThere(file);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

/**
 * The value's JSON text when JSON gives the value back exactly (plain objects and arrays of strings, finite
 * numbers, booleans and null), else undefined: only such values can be answered from a kept result.
 */
export function exactJson(value: unknown): string | undefined {
  return isExactJson(value) ? JSON.stringify(value) : undefined;
}

function isExactJson(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== "object") return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !isExactJson(value[i])) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) {
    // Assigning a parsed `__proto__` would set the prototype rather than a property.
    if (key === "__proto__" || !isExactJson((value as Record<string, unknown>)[key])) return false;
  }
  // Symbol keys and non-enumerable properties are not in the JSON.
  return Reflect.ownKeys(value).length === Object.keys(value).length;
}
