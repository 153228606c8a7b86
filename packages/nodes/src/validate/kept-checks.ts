import { join } from "node:path";
import { ValidationResults, defaultCacheDir, exactJson, shortHash } from "@wattflow/runtime";
import type { Note, SchemaOptions } from "./compile-schema.js";

/**
 * Schemas that passed the validate node's checks (the meta-schema check and the compile) at an earlier start,
 * with the notes ajv made about them, kept on disk beside the validators by the schema's exact JSON and the
 * options. A later start with the same schema neither checks it again nor loads a validator to do so. Only
 * schemas that passed are kept, so a schema with a mistake is always checked and its problem named.
 */
export class KeptChecks {
  private results: ValidationResults | null | undefined;
  private key: string | undefined;

  /** `version`: what the outcome of a check depends on besides the schema and the options (libraries, formats, keywords). */
  constructor(private readonly version: string) {}

  /** ajv's notes about the schema when it passed with these options, or undefined when it is not known to pass. */
  recall(schema: Record<string, unknown>, options: SchemaOptions): Note[] | undefined {
    const input = inputOf(schema, options);
    const kept = input === undefined ? undefined : this.kept()?.recall(this.fileKey(), input);
    return kept === undefined ? undefined : notesFrom(kept);
  }

  remember(schema: Record<string, unknown>, options: SchemaOptions, notes: readonly Note[]): void {
    const input = inputOf(schema, options);
    if (input !== undefined) this.kept()?.remember(this.fileKey(), input, notes);
  }

  async flush(): Promise<void> {
    await this.results?.flush();
  }

  /** Nothing is kept when the validators are not (WATTFLOW_CACHE_DIR=off). */
  private kept(): ValidationResults | null {
    if (this.results === undefined) {
      const dir = defaultCacheDir();
      this.results = dir === null ? null : new ValidationResults(join(dir, "validators"));
    }
    return this.results;
  }

  private fileKey(): string {
    return (this.key ??= shortHash(`validate-node checks\n${this.version}`, 32));
  }
}

/** What a kept check is found by: the options and the schema as exact JSON; undefined for a schema JSON does not give back. */
function inputOf(schema: Record<string, unknown>, options: SchemaOptions): string | undefined {
  const text = exactJson(schema);
  return text === undefined ? undefined : `${options.coerceTypes}|${options.useDefaults}|${options.strict}|${text}`;
}

/** The kept notes; undefined for anything else (a file from elsewhere), which is then checked again. */
function notesFrom(kept: string): Note[] | undefined {
  try {
    const parsed = JSON.parse(kept) as unknown;
    return Array.isArray(parsed) && parsed.every(isNote) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isNote(value: unknown): value is Note {
  if (typeof value !== "object" || value === null) return false;
  const { level, text } = value as Record<string, unknown>;
  return (level === "info" || level === "warn" || level === "error") && typeof text === "string";
}
