import { nodeTypeVersion, type AnyNodeDefinition } from "../registry/define.js";
import { FLOW_FORMAT, type FlowIssue } from "./types.js";

/**
 * One migration per older format, keyed by that format, each taking a
 * document one step forward. Loading runs them in turn until the document
 * is format 1, so a format 2 only has to add the 1→2 step. Each migration
 * has its own test in migrate.test.ts.
 */
export interface Migration {
  to: string;
  migrate(doc: Record<string, unknown>): Record<string, unknown>;
}

/** Early drafts wrote no `format` at all; they are format 0. */
export const LEGACY_FORMAT = "wattflow/flow@0";

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** Format 0: nodes carried `x`/`y` at the top level, and `wires` could be a flat list meaning port 0. */
function fromFormat0(doc: Record<string, unknown>): Record<string, unknown> {
  return { ...doc, format: FLOW_FORMAT, ...(Array.isArray(doc.nodes) ? { nodes: doc.nodes.map(migrateNode0) } : {}) };
}

function migrateNode0(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  const { x, y, ...node } = raw;
  const out: Record<string, unknown> = { ...node };
  if (typeof x === "number" && typeof y === "number" && out.position === undefined) out.position = { x, y };
  // Anything else is kept as it was, so the schema names it instead of the migration dropping it unseen.
  else {
    if (x !== undefined) out.x = x;
    if (y !== undefined) out.y = y;
  }
  const wires = out.wires;
  if (Array.isArray(wires) && wires.length > 0 && wires.every((w) => typeof w === "string")) out.wires = [wires];
  return out;
}

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  [LEGACY_FORMAT]: { to: FLOW_FORMAT, migrate: fromFormat0 },
};

export interface MigrationResult {
  /** The document in format 1, or the input unchanged when it could not be migrated (see `issue`). */
  document: unknown;
  /** The format the document had, when it was not already format 1. */
  migratedFrom?: string;
  /** Why the document cannot be read (a format this runtime does not know). */
  issue?: FlowIssue;
}

/** Brings a parsed flow document to format 1. Never throws; never changes its input. */
export function migrateFlow(raw: unknown, migrations: Readonly<Record<string, Migration>> = MIGRATIONS): MigrationResult {
  // Not an object: nothing to migrate; the schema check says what is wrong.
  if (!isObject(raw)) return { document: raw };
  const original = raw.format === undefined ? LEGACY_FORMAT : raw.format;
  if (typeof original !== "string") return { document: raw };
  let doc = raw;
  let format = original;
  const visited = new Set<string>();
  while (format !== FLOW_FORMAT) {
    const step = Object.hasOwn(migrations, format) ? migrations[format] : undefined;
    if (!step) {
      const message =
        format === original
          ? `unsupported format ${JSON.stringify(format)} (this runtime reads ${FLOW_FORMAT})`
          : `no migration from ${JSON.stringify(format)} (reached from ${JSON.stringify(original)}; this runtime reads ${FLOW_FORMAT})`;
      return { document: raw, issue: { pointer: "/format", message } };
    }
    // A table that leads in a circle is a programming error; say so instead of looping.
    if (visited.has(format)) return { document: raw, issue: { pointer: "/format", message: `migrations from ${JSON.stringify(original)} loop at ${JSON.stringify(format)}` } };
    visited.add(format);
    doc = step.migrate(doc);
    format = step.to;
  }
  return format === original ? { document: doc } : { document: doc, migratedFrom: original };
}

/** What loading a node's config for its type's current version gave. */
export type NodeMigration =
  | { ok: true; config: unknown; migratedFrom?: number; version: number }
  | { ok: false; pointer: string; message: string };

/**
 * Brings one node's config to the current version of its type: `written` is
 * the node's `typeVersion` (undefined meaning 1), `config` what the file holds.
 * A node written for a newer version than this runtime has is refused: its
 * config may mean something the installed type would misread.
 */
export function migrateNodeConfig(
  definition: AnyNodeDefinition,
  written: unknown,
  config: unknown,
  module?: string,
): NodeMigration {
  const version = nodeTypeVersion(definition);
  // A typeVersion of the wrong shape is the schema's message; reading it as 1 would hide it behind a migration.
  if (written !== undefined && !(typeof written === "number" && Number.isInteger(written) && written >= 1)) return { ok: true, config, version };
  const from = written ?? 1;
  if (from === version) return { ok: true, config, version };
  const source = module ? ` (from ${module})` : "";
  if (from > version) {
    return {
      ok: false,
      pointer: "/typeVersion",
      message: `written for ${definition.type} version ${from}, but the installed ${definition.type}${source} is version ${version}: update the plugin, or edit the node for version ${version}`,
    };
  }
  if (typeof definition.migrate !== "function") {
    return { ok: false, pointer: "/typeVersion", message: `written for ${definition.type} version ${from}, and ${definition.type} version ${version}${source} has no migrate() to bring it up to date` };
  }
  // A config that is not an object is already a schema error; migrating it would only add noise.
  if (config !== undefined && !isObject(config)) return { ok: true, config, version };
  try {
    const migrated = definition.migrate(structuredClone(config ?? {}), from);
    if (!isObject(migrated)) throw new Error(`migrate() returned ${migrated === null ? "null" : Array.isArray(migrated) ? "an array" : typeof migrated}, not a config object`);
    return { ok: true, config: migrated, migratedFrom: from, version };
  } catch (err) {
    return { ok: false, pointer: "/config", message: `${definition.type} could not migrate this config from version ${from} to ${version}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
