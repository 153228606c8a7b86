import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { TObject } from "@sinclair/typebox";
import { CONNECTION_KEYWORD } from "../registry/define.js";
import { describeAjvErrors } from "./ajv-issues.js";
import { AJV_FORMATS_VERSION } from "./library-versions.js";
import { QuietTimer } from "../util/cache-file.js";
import { COMPILER_KEPT_MS, ValidatorCache } from "./validator-cache.js";
import { ValidationResults, exactJson } from "./validation-results.js";
import { escapePointer } from "./interpolate.js";
import { FlowDocumentSchema } from "./schema.js";

/** A problem before the compiler adds file, flow and node: where, and what was expected. */
export interface Problem {
  pointer: string;
  message: string;
}

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

// `verbose` keeps the failing schema on each error, which the messages use to list a union's allowed values.
// Validators here run at deploy, not per message: ajv's optimising pass would triple the compile time (start-up) for no gain.
// Both kinds of validator come from a ValidatorCache: compiled once, then read from disk at later starts.
const DOCUMENT_OPTIONS = { allErrors: true, strict: false, verbose: true } as const;
let documentCache: ValidatorCache | undefined;
let documentValidator: ValidateFunction | undefined;
let documentKey: string | undefined;

/**
 * Validators loaded for a deploy are let go once the deploys have not used them for a while, when their code is
 * kept on disk: a start that finds every result kept loads none, so one that had to compile them need not hold
 * them for good (about 3 MB with the shipped flows). A later deploy that needs one reads it again.
 */
const letGoOfValidators = new QuietTimer(() => {
  documentValidator = undefined;
  validators = new WeakMap();
}, COMPILER_KEPT_MS);
function inUse(from: ValidatorCache): void {
  if (from.folder !== null) letGoOfValidators.touch();
}

/** The document's own shape (format 1 schema), every violation at once. Node configs are checked separately. */
export function validateDocumentShape(doc: unknown): Problem[] {
  documentCache ??= new ValidatorCache({
    makeAjv: () => new Ajv({ ...DOCUMENT_OPTIONS, code: { optimize: false, source: true } }),
    optionsKey: JSON.stringify({ ...DOCUMENT_OPTIONS, optimize: false }),
  });
  // A document that passed before passes again (this check changes nothing in it): its validator is not loaded.
  const results = keptResults();
  const input = results ? exactJson(doc) : undefined;
  const key = input === undefined ? undefined : (documentKey ??= documentCache.keyOf(FlowDocumentSchema));
  if (results && input !== undefined && key !== undefined) {
    documentCache.inUse(key);
    if (results.recall(key, input) === "true") return [];
  }
  documentValidator ??= documentCache.validator(FlowDocumentSchema, documentKey);
  inUse(documentCache);
  if (!documentValidator(doc)) return describeAjvErrors(documentValidator.errors ?? [], doc);
  if (results && input !== undefined && key !== undefined) results.remember(key, input, true);
  return [];
}

// Configs get their schema defaults filled in (useDefaults), and `${ENV}` strings
// become the declared number or boolean (coerceTypes): env values are always strings.
const CONFIG_OPTIONS = { allErrors: true, strict: false, useDefaults: true, coerceTypes: true, verbose: true } as const;
// The cache and its ajv are made on first use: a start whose validators are all cached never compiles.
let configCache: ValidatorCache | undefined;
function cache(): ValidatorCache {
  configCache ??= new ValidatorCache({
    makeAjv: () => {
      const ajv = new Ajv({ ...CONFIG_OPTIONS, code: { optimize: false, source: true } });
      addFormats(ajv);
      return ajv;
    },
    // What a format accepts, and so what a kept result says, depends on ajv-formats' version.
    optionsKey: JSON.stringify({ ...CONFIG_OPTIONS, formats: `ajv-formats@${AJV_FORMATS_VERSION}`, optimize: false }),
  });
  return configCache;
}
// Keyed by the schema object, so a definition is compiled once and dropped with its registry; across starts the cache keeps the code.
let validators = new WeakMap<TObject, ValidateFunction>();

function validatorFor(schema: TObject): ValidateFunction {
  let v = validators.get(schema);
  if (!v) {
    // The key is hashed once per schema, for its kept results and its validator's file alike.
    v = cache().validator(schema, cache().folder === null ? undefined : schemaKeyOf(schema));
    validators.set(schema, v);
  }
  inUse(cache());
  return v;
}

/**
 * Checks a config against its type's schema. Mutates `config`: defaults are
 * filled in and coercible values converted (so pass a copy). Pointers are
 * relative to the config object (`/interval`). `keep: false` leaves the result
 * out of the kept results (a config with a value from the environment, or a
 * type with secret fields: what validation made of it would be written to disk).
 */
export function validateConfig(schema: TObject, config: Record<string, unknown>, options: { keep?: boolean } = {}): Problem[] {
  const results = keptResults();
  const input = results ? exactJson(config) : undefined;
  if (results && input !== undefined) {
    const known = results.recall(schemaKeyOf(schema), input);
    // What the validator made of this very config when it last passed: the same properties in the same
    // order. A config it left as it was is not touched (as the validator would not touch it). A kept value
    // that is not an object's JSON (a damaged file) is not trusted: the validator decides.
    const validated = known === undefined || known === input ? known : parsedObject(known);
    if (validated !== undefined) {
      if (typeof validated === "object") {
        for (const key of Object.keys(config)) delete config[key];
        Object.assign(config, validated);
      }
      return [];
    }
  }
  const validate = validatorFor(schema);
  if (!validate(config)) return describeAjvErrors(validate.errors ?? [], config);
  if (results && input !== undefined && options.keep !== false && exactJson(config) !== undefined) results.remember(schemaKeyOf(schema), input, config);
  return [];
}

/** The object `json` holds, or undefined when it holds something else or is not JSON. */
function parsedObject(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// Configs that passed before are taken from what validation made of them then (see ValidationResults), kept
// beside the validators; nothing is kept when the validators are not (WATTFLOW_CACHE_DIR=off).
let results: ValidationResults | null | undefined;
function keptResults(): ValidationResults | null {
  if (results === undefined) {
    const dir = cache().folder;
    results = dir === null ? null : new ValidationResults(dir);
  }
  return results;
}

const schemaKeys = new WeakMap<TObject, string>();
function schemaKeyOf(schema: TObject): string {
  let key = schemaKeys.get(schema);
  if (key === undefined) {
    key = cache().keyOf(schema);
    schemaKeys.set(schema, key);
    // In use even while kept results answer for it: the next changed config needs it.
    cache().inUse(key);
  }
  return key;
}

/** Writes the kept validation results now (tests; a runtime writes them shortly after a deploy). */
export async function keepValidationResults(): Promise<void> {
  await results?.flush();
}

export interface ConnectionField {
  field: string;
  /** The connection type the field must name. */
  type: string;
  required: boolean;
}

/** The top-level config fields that reference a connection (marked with CONNECTION_KEYWORD). */
export function connectionFields(schema: TObject): ConnectionField[] {
  const required = new Set(schema.required ?? []);
  const out: ConnectionField[] = [];
  for (const [field, prop] of Object.entries(schema.properties ?? {})) {
    const type = (prop as Record<string, unknown>)[CONNECTION_KEYWORD];
    if (typeof type === "string") out.push({ field, type, required: required.has(field) });
  }
  return out;
}

/**
 * Checks that each connection field names a connection of the right type in
 * this flow. Returns the ids the node uses (those that check out).
 */
export function checkConnectionRefs(
  schema: TObject,
  config: Record<string, unknown>,
  connectionTypes: ReadonlyMap<string, string>,
): { used: string[]; problems: Problem[] } {
  const used: string[] = [];
  const problems: Problem[] = [];
  for (const { field, type, required } of connectionFields(schema)) {
    const ref = config[field];
    const pointer = `/${escapePointer(field)}`;
    if (typeof ref !== "string") continue; // a wrong type or a missing required field is the schema's message
    const candidates = [...connectionTypes].filter(([, t]) => t === type).map(([id]) => id);
    const offer = candidates.length > 0 ? `; ${type} connections here: ${candidates.join(", ")}` : `; this flow has no ${type} connection`;
    if (ref === "") {
      // An optional field left empty means "none"; a required one must name something.
      if (required) problems.push({ pointer, message: `must name a ${type} connection of this flow (got ""${offer})` });
      continue;
    }
    const actual = connectionTypes.get(ref);
    if (actual === undefined) problems.push({ pointer, message: `must name a ${type} connection of this flow (no connection "${ref}"${offer})` });
    else if (actual !== type) problems.push({ pointer, message: `must name a ${type} connection ("${ref}" is of type ${actual}${offer})` });
    else if (!used.includes(ref)) used.push(ref);
  }
  return { used, problems };
}

/** A near miss for a misspelt type name, or undefined. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const c of candidates) {
    const d = c.toLowerCase() === name.toLowerCase() ? 0 : distance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance; type names are short, so the quadratic table is fine. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** Issues in document order: top-level fields, then connections, then nodes, each item's issues together. */
export function documentOrder<T extends { pointer: string }>(issues: T[]): T[] {
  const rank = (pointer: string): [number, number] => {
    const m = /^\/(connections|nodes)\/(\d+)(?:\/|$)/.exec(pointer);
    return m ? [m[1] === "connections" ? 1 : 2, Number(m[2])] : [0, 0];
  };
  return issues
    .map((issue, i) => ({ issue, i, key: rank(issue.pointer) }))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.i - b.i)
    .map((x) => x.issue);
}
