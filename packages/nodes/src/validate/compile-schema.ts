import { _, Ajv, type ErrorObject, type Format, type Options, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import formatsModule from "ajv-formats/dist/formats.js";
import { COMPILER_KEPT_MS, QuietTimer, ValidatorCache, installedVersion, type Logger } from "@wattflow/runtime";
import { describeErrors, MESSAGE_KEYWORD } from "./errors.js";
import { KeptChecks } from "./kept-checks.js";

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;
const { fullFormats } = formatsModule as unknown as { fullFormats: Record<string, Format> };

export interface SchemaOptions {
  coerceTypes: boolean;
  useDefaults: boolean;
  strict: boolean;
}

/** A compiled schema; `errors` describes the last failed check (ajv's own list, not copied). */
export interface CompiledSchema {
  /** Checks a value without changing it (neither coercion nor defaults configured). */
  test(value: unknown): boolean;
  /** Checks `holder.value`, which coercion may replace: ajv cannot coerce a bare root value in place. */
  testInPlace(holder: { value: unknown }): boolean;
  readonly errors: readonly ErrorObject[];
  /** Whether checking may change the value (coercion, defaults), so it must get a copy. */
  readonly mutates: boolean;
}

const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;
const DRAFT_2019 = /^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/;

type Flavour = "2020" | "2019" | "07";
export type Note = { level: "info" | "warn" | "error"; text: string };

/** The ajv flavour the schema asks for with `$schema`; draft-07 when it does not say. */
function flavourOf(schema: Record<string, unknown>): Flavour {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  if (DRAFT_2020.test(declared)) return "2020";
  if (DRAFT_2019.test(declared)) return "2019";
  return "07";
}

// ajv writes its notes (strictTypes "log") while compiling; they are gathered here and kept with the compiled schema.
let notes: Note[] = [];
const noteLogger = {
  log: (...args: unknown[]) => notes.push({ level: "info", text: args.map(String).join(" ") }),
  warn: (...args: unknown[]) => notes.push({ level: "warn", text: args.map(String).join(" ") }),
  error: (...args: unknown[]) => notes.push({ level: "error", text: args.map(String).join(" ") }),
};

/** The name under which cached validator code requires the formats (see `formats()`). */
const FORMATS_MODULE = "wattflow:validate/formats";

/** `meta`: for checking schemas, as ajv checks them against its meta-schema (formats such as `regex` not checked; compile reports a bad pattern). */
function newAjv(flavour: Flavour, options: SchemaOptions, forCache = false, meta = false): Ajv {
  const ajvOptions: Options = {
    ...(meta ? { validateFormats: false } : {}),
    // Schemas are checked against the meta-schema by a validator of their own (`metaValidator`), cached like
    // the schemas: compiling the meta-schema costs more than most schemas.
    validateSchema: false,
    allErrors: true,
    // Errors carry the schema they came from, for its MESSAGE_KEYWORD.
    verbose: true,
    coerceTypes: options.coerceTypes,
    useDefaults: options.useDefaults,
    // Unknown keywords and formats are usually typos; ajv's stricter type checks reject valid schemas, so they only log.
    strictSchema: options.strict,
    strictTypes: "log",
    // `type: ["number", "boolean"]` is plain JSON Schema (a reading's value may be either), not a mistake to log.
    allowUnionTypes: true,
    strictTuples: "log",
    strictRequired: false,
    logger: noteLogger,
    // Code kept on disk finds the formats (with the quick date-time) under a name of its own.
    ...(forCache ? { code: { source: true, formats: _`require(${FORMATS_MODULE})` } } : {}),
  };
  const ajv = flavour === "2020" ? new Ajv2020(ajvOptions) : flavour === "2019" ? new Ajv2019(ajvOptions) : new Ajv(ajvOptions);
  addFormats(ajv);
  quickenDateTime(ajv);
  // An annotation only: the message that replaces ajv's for errors of the schema it sits in (see errors.ts).
  ajv.addKeyword({ keyword: MESSAGE_KEYWORD, schemaType: "string" });
  return ajv;
}

let formatsRecord: Record<string, unknown> | undefined;
/** Every format the node's ajv knows, as the cached code requires them: the same definitions newAjv gives ajv. */
function formats(): Record<string, unknown> {
  if (!formatsRecord) {
    const all: Record<string, unknown> = { ...fullFormats };
    const quick = quickDateTime(fullFormats["date-time"]);
    if (quick) all["date-time"] = quick;
    formatsRecord = all;
  }
  return formatsRecord;
}

/**
 * `date-time` as ajv-formats checks it, with a quick path for the common shape (`2026-11-01T00:00:00.000Z`,
 * `…+01:00`): one regular expression test without captures and a few digit reads, where the full check
 * splits the text and runs two capturing expressions per value. The quick path only ever says "valid" for text
 * the full check accepts too; everything else (other separators, leap seconds, bad dates) goes to the full check.
 */
function quickenDateTime(ajv: Ajv): void {
  const quick = quickDateTime(ajv.formats["date-time"]);
  if (quick) ajv.addFormat("date-time", quick);
}

/** ajv-formats' date-time definition with the quick path in front; undefined when it is not the expected shape. */
function quickDateTime(full: Format | undefined): Format | undefined {
  if (full === undefined || typeof full !== "object" || !("validate" in full) || typeof full.validate !== "function") return undefined;
  const check = full.validate as (text: string) => boolean;
  return { ...full, type: "string", validate: (text: string) => isCommonDateTime(text) || check(text) } as Format;
}

const COMMON_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ZERO = 48;

/** Two digits at `at` as a number (the expression has checked they are digits). */
function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - ZERO) * 10 + text.charCodeAt(at + 1) - ZERO;
}

/** True for a valid RFC 3339 date-time of the common shape with no leap second; false means "ask the full check". */
function isCommonDateTime(text: string): boolean {
  if (!COMMON_DATE_TIME.test(text)) return false;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]!)) return false;
  if (twoDigits(text, 11) > 23 || twoDigits(text, 14) > 59 || twoDigits(text, 17) > 59) return false;
  const zone = text.charCodeAt(text.length - 1) === 90 /* Z */ ? -1 : text.length - 6;
  return zone === -1 || (twoDigits(text, zone + 1) <= 23 && twoDigits(text, zone + 4) <= 59);
}

const versionOf = (name: string): string => installedVersion(name, import.meta.url);
/** What the cached code and kept checks depend on besides the schema and its options: the formats and keywords added in newAjv. */
const CODE_VERSION = `validate-node/1 ajv-formats@${versionOf("ajv-formats")}+quick-date-time x-message`;
// V8's version too: whether a schema's `pattern` is a valid regular expression depends on it.
const keptChecks = new KeptChecks(`${versionOf("ajv")}\nv8 ${process.versions.v8}\n${CODE_VERSION}`);

/** Writes the kept checks now (tests; a runtime writes them shortly after a deploy). */
export async function keepSchemaChecks(): Promise<void> {
  await keptChecks.flush();
}

// Validators are kept on disk between starts (ValidatorCache): a start reads the code instead of compiling.
const caches = new Map<string, ValidatorCache>();

function cacheFor(flavour: Flavour, options: SchemaOptions, meta = false): ValidatorCache {
  const optionsKey = `${CODE_VERSION}|${flavour}|${options.coerceTypes}|${options.useDefaults}|${options.strict}${meta ? "|meta" : ""}`;
  let cache = caches.get(optionsKey);
  if (!cache) {
    cache = new ValidatorCache({
      makeAjv: () => newAjv(flavour, options, true, meta),
      optionsKey,
      // A getter: the formats are made only when cached code first asks for them.
      modules: Object.defineProperty({}, FORMATS_MODULE, { enumerable: true, get: formats }),
      // ajv's notes come with the code, so a schema read from the cache is reported as one just compiled.
      annex: () => notes.map((n) => ({ level: n.level, text: n.text })),
    });
    caches.set(optionsKey, cache);
  }
  return cache;
}

const META_SCHEMA: Record<Flavour, string> = {
  "07": "http://json-schema.org/draft-07/schema",
  "2019": "https://json-schema.org/draft/2019-09/schema",
  "2020": "https://json-schema.org/draft/2020-12/schema",
};

// The meta-schema check per flavour: one reference to the meta-schema ajv carries, compiled (or read) like any schema.
const metaValidators = new Map<Flavour, ValidateFunction>();
// Only schemas not checked before need it: once the checks pause it is let go (when its code is kept on disk, to
// be read again), as a start whose schemas all passed before never loads it.
const letGoOfMetaValidators = new QuietTimer(() => metaValidators.clear(), COMPILER_KEPT_MS);

function metaValidator(flavour: Flavour): ValidateFunction {
  const cache = cacheFor(flavour, { coerceTypes: false, useDefaults: false, strict: true }, true);
  let meta = metaValidators.get(flavour);
  if (!meta) metaValidators.set(flavour, (meta = cache.validator({ $ref: META_SCHEMA[flavour] })));
  if (cache.folder !== null) letGoOfMetaValidators.touch();
  return meta;
}

/** A schema that passed the checks: its notes, and its validator, loaded when first asked for. */
interface Checked {
  notes: readonly Note[];
  validator: () => ValidateFunction;
}

// Checked once per schema text and options: the deploy check, the node's start and identical schemas in other nodes share it.
const checkedSchemas = new Map<string, Checked | { error: string }>();

function compileOnce(schema: Record<string, unknown>, options: SchemaOptions): Checked {
  const flavour = flavourOf(schema);
  const key = `${flavour}|${options.coerceTypes}|${options.useDefaults}|${options.strict}|${JSON.stringify(schema)}`;
  let entry = checkedSchemas.get(key);
  if (!entry) {
    entry = passedBefore(schema, flavour, options) ?? check(schema, flavour, options);
    checkedSchemas.set(key, entry);
  }
  if ("error" in entry) throw new Error(`config.schema is not a valid JSON Schema: ${entry.error}`);
  return entry;
}

/** The meta-schema check and the compile, now; a schema that passes is kept (keptChecks). */
function check(schema: Record<string, unknown>, flavour: Flavour, options: SchemaOptions): Checked | { error: string } {
  notes = [];
  try {
    // A `$schema` naming a version (or a schema) this node has no meta-schema for is refused, not read as draft-07.
    const declared = schema.$schema;
    if (declared !== undefined && declared !== META_SCHEMA[flavour] && declared !== `${META_SCHEMA[flavour]}#`) {
      throw new Error(`$schema ${JSON.stringify(declared)} is not one this node reads: ${Object.values(META_SCHEMA).join(", ")} (or none, for draft-07)`);
    }
    // The meta-schema check first: its errors point into the schema, where compile's only say "schema is invalid".
    const meta = metaValidator(flavour);
    if (!meta(schema)) throw new Error(describeErrors(meta.errors ?? [], "schema", true).map((i) => i.message).join("; "));
    notes = [];
    let fn: ValidateFunction;
    let found: readonly Note[];
    if (hasId(schema)) {
      // A schema with an `$id` is registered under it: its own instance keeps another schema with the same id from clashing.
      fn = newAjv(flavour, options).compile(schema);
      found = notes;
    } else {
      // A schema that does not compile throws here and is never kept, so every deploy names its problem.
      const cached = cacheFor(flavour, options).entry(schema);
      fn = cached.validate;
      found = Array.isArray(cached.annex) ? (cached.annex as Note[]) : [];
    }
    keptChecks.remember(schema, options, found);
    return { notes: found, validator: () => fn };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    notes = [];
  }
}

/**
 * A schema that passed the checks at an earlier start, with the notes ajv made then: neither the meta-schema
 * check nor the schema's validator is loaded to check it again, and its validator loads at its first message,
 * so a start whose flows did not change loads no validator code for them. Undefined when not known to pass.
 */
function passedBefore(schema: Record<string, unknown>, flavour: Flavour, options: SchemaOptions): Checked | undefined {
  const found = keptChecks.recall(schema, options);
  if (found === undefined) return undefined;
  const cache = hasId(schema) ? undefined : cacheFor(flavour, options);
  const cacheKey = cache?.keyOf(schema);
  if (cache && cacheKey) cache.inUse(cacheKey);
  let fn: ValidateFunction | undefined;
  return {
    notes: found,
    validator: () => {
      if (fn) return fn;
      try {
        fn = cache ? cache.validator(schema, cacheKey) : newAjv(flavour, options).compile(schema);
      } finally {
        // Reported from the kept checks already.
        notes = [];
      }
      return fn;
    },
  };
}

function hasId(schema: Record<string, unknown>): boolean {
  return JSON.stringify(schema).includes('"$id"');
}

/**
 * Checks and compiles once per schema and options (at deploy; later deploys and nodes
 * with the same schema reuse it). Throws with the schema's problem in words
 * (`/properties/value/type must be one of …`, `unknown keyword "requierd"`).
 * ajv's notes about the schema go to `log` on every call. A schema that passed at an
 * earlier start is not checked again, and its validator loads at its first use.
 */
export function compileSchema(schema: Record<string, unknown>, options: SchemaOptions, log: Pick<Logger, "info" | "warn" | "error">): CompiledSchema {
  const { validator, notes: found } = compileOnce(schema, options);
  for (const note of found) log[note.level](note.text);
  let fn: ValidateFunction | undefined;
  return {
    test: (value) => (fn ??= validator())(value),
    testInPlace: (holder) => (fn ??= validator())(holder.value, { instancePath: "", parentData: holder, parentDataProperty: "value", rootData: holder, dynamicAnchors: {} }),
    get errors() {
      return fn?.errors ?? [];
    },
    mutates: options.coerceTypes || options.useDefaults,
  };
}
