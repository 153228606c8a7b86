import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { keepCacheFile } from "../util/atomic-write.js";
import { QuietTimer, noteCacheFileUsed } from "../util/cache-file.js";
import { AJV_VERSION } from "./library-versions.js";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import type { Ajv, ValidateFunction } from "ajv";
import standaloneModule from "ajv/dist/standalone/index.js";

// ajv's standalone entry is CommonJS; under NodeNext its default export is the module object.
type StandaloneCode = (ajv: Ajv, validate: ValidateFunction) => string;
const standaloneCode = ((standaloneModule as unknown as { default?: StandaloneCode }).default ?? standaloneModule) as unknown as StandaloneCode;

const here = dirname(fileURLToPath(import.meta.url));
// The generated code requires ajv's runtime helpers and ajv-formats, which resolve from this package.
const requireHere = createRequire(import.meta.url);

/** Where what a start can reuse is kept between starts: WATTFLOW_CACHE_DIR, else the package's node_modules/.cache; null when `off`. */
export function defaultCacheDir(): string | null {
  const configured = process.env.WATTFLOW_CACHE_DIR;
  if (configured === "off") return null;
  return configured || join(here, "../../node_modules/.cache/wattflow");
}

/** Where compiled validators are kept between starts (`validators` in `defaultCacheDir()`). */
export function defaultValidatorCacheDir(): string | null {
  const dir = defaultCacheDir();
  return dir === null ? null : join(dir, "validators");
}

/** JSON-shaped data kept with a validator's code (see `ValidatorCacheOptions.annex`). */
export type Annex = null | boolean | number | string | Annex[] | { [key: string]: Annex };

export interface ValidatorCacheOptions {
  /** Makes an ajv with `code.source` on; called when the cache first lacks a schema's code. */
  makeAjv: () => Ajv;
  /** What besides the schema shapes the code (the ajv options, formats, keywords). */
  optionsKey: string;
  /** The folder of the kept code; null keeps nothing (every start compiles). Default: `defaultValidatorCacheDir()`. */
  dir?: string | null;
  /** Modules the generated code requires by a name of the caller's choosing (e.g. `code.formats` set to `require("x")`), before node_modules. */
  modules?: Readonly<Record<string, unknown>>;
  /** Called right after a schema compiled: what it returns is kept with the code and handed back with the validator at later starts. */
  annex?: () => Annex;
  /** How long the ajv is kept after its last compile, for the next schema of the same deploy. Default: `COMPILER_KEPT_MS`. */
  compilerKeptMs?: number;
}

/**
 * A deploy compiles its schemas one after another; after this long without a compile the ajv is let go. An ajv
 * keeps every schema it compiled in its scope (the generated code's text and functions), which a removeSchema
 * does not clear: kept for good it held about 10 MB after a start into an empty cache, which a start that
 * finds the code never holds. Making the next one costs about half a millisecond.
 */
export const COMPILER_KEPT_MS = 500;

export interface CachedValidator {
  validate: ValidateFunction;
  annex: Annex;
}

/**
 * Validators as ajv standalone code, kept on disk by a hash of the schema, the
 * compile options and ajv's version. A start finds the code the previous one
 * generated instead of compiling every schema again (compiling is most of a
 * flow's deploy time). The code is written after it is used, in the
 * background; a cache that cannot be read or written only costs the compile.
 * Validators always run from the generated code, so a cached one behaves
 * exactly like a fresh one.
 *
 * V8's own compiled-code cache is deliberately not kept beside the code: release builds of V8 do not
 * verify such a cache's contents, and one copied between two installations was seen to abort the
 * process at start, which no start-time saving is worth.
 */
export class ValidatorCache {
  private readonly makeAjv: () => Ajv;
  private readonly optionsKey: string;
  private readonly dir: string | null;
  private readonly requireModule: (id: string) => unknown;
  private readonly annexOf: (() => Annex) | undefined;
  private ajv: Ajv | undefined;
  private readonly letGoOfAjv: QuietTimer;

  constructor(options: ValidatorCacheOptions) {
    this.makeAjv = options.makeAjv;
    this.optionsKey = options.optionsKey;
    this.dir = options.dir === undefined ? defaultValidatorCacheDir() : options.dir;
    this.annexOf = options.annex;
    this.letGoOfAjv = new QuietTimer(() => {
      this.ajv = undefined;
    }, options.compilerKeptMs ?? COMPILER_KEPT_MS);
    const modules = options.modules ?? {};
    this.requireModule = (id) => (Object.hasOwn(modules, id) ? modules[id] : requireHere(id));
  }

  /** `key`: the schema's `keyOf`, when the caller has it already (hashing a large schema is not free). */
  validator(schema: object, key?: string): ValidateFunction {
    return this.entry(schema, key).validate;
  }

  /** The validator and what `annex` said when its schema was compiled. Throws what ajv's compile throws. */
  entry(schema: object, key?: string): CachedValidator {
    const file = this.dir ? join(this.dir, `${key ?? this.keyOf(schema)}.cjs`) : null;
    if (file) {
      noteCacheFileUsed(file);
      const cached = readIfThere(file);
      if (cached !== undefined) {
        try {
          return this.instantiate(cached, file);
        } catch {
          // A file cut short or from elsewhere: compiled again below, and replaced.
        }
      }
    }
    const code = this.generate(schema);
    if (file) void keepCacheFile(file, code);
    return this.instantiate(code, file);
  }

  /** What names a schema's validator: its schema, the compile options and ajv's version. */
  keyOf(schema: object): string {
    // V8's version too: a schema's `pattern` is V8's regular expression syntax, which grows between versions,
    // so what compiled and passed (and the results kept by this key) under one Node may not under another.
    return createHash("sha256").update(`${AJV_VERSION}\nv8 ${process.versions.v8}\n${this.optionsKey}\n${JSON.stringify(schema)}`).digest("hex").slice(0, 32);
  }

  /**
   * Says that the validator named `key` is in use though it is not loaded now (a kept result answered for it,
   * or it loads when first needed): pruning leaves its file for the next change.
   */
  inUse(key: string): void {
    if (this.dir) noteCacheFileUsed(join(this.dir, `${key}.cjs`));
  }

  /** The folder the validators are kept in; null when nothing is kept. */
  get folder(): string | null {
    return this.dir;
  }

  /** Whether an ajv is kept now (it is, from a compile until the compiles have paused for `compilerKeptMs`). */
  get holdsCompiler(): boolean {
    return this.ajv !== undefined;
  }

  private generate(schema: object): string {
    const ajv = (this.ajv ??= this.makeAjv());
    this.letGoOfAjv.touch();
    const compiled = ajv.compile(schema);
    try {
      const annex = this.annexOf ? this.annexOf() : null;
      return `${standaloneCode(ajv, compiled)}\nmodule.exports.annex = ${JSON.stringify(annex)};\n`;
    } finally {
      // The code is all that is kept; ajv's own copy would only hold memory.
      ajv.removeSchema(schema);
    }
  }

  /** Runs the module code; `file` names it in stack traces. */
  private instantiate(code: string, file: string | null): CachedValidator {
    const script = new Script(`(function (require, module, exports) {${code}\n})`, { filename: file ?? "wattflow-validator.cjs" });
    const module = { exports: {} as Record<string, unknown> };
    (script.runInThisContext() as (require: (id: string) => unknown, module: object, exports: object) => void)(this.requireModule, module, module.exports);
    const validate = (module.exports.default ?? module.exports) as unknown;
    if (typeof validate !== "function") throw new Error("not a validator module");
    return { validate: validate as ValidateFunction, annex: (module.exports.annex ?? null) as Annex };
  }
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

