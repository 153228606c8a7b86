import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
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
const AJV_VERSION = (requireHere("ajv/package.json") as { version: string }).version;

/** Where compiled validators are kept between starts: WATTFLOW_CACHE_DIR, else the package's node_modules/.cache. */
export function defaultValidatorCacheDir(): string | null {
  const configured = process.env.WATTFLOW_CACHE_DIR;
  if (configured === "off") return null;
  return configured ? join(configured, "validators") : join(here, "../../node_modules/.cache/wattflow/validators");
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
}

export interface CachedValidator {
  validate: ValidateFunction;
  annex: Annex;
}

/** V8's cache is taken this long after the last validator was read: by then the deploy that read them has run them. */
const CODE_CACHE_DELAY_MS = 500;

/**
 * Validators as ajv standalone code, kept on disk by a hash of the schema, the
 * compile options and ajv's version. A start finds the code the previous one
 * generated instead of compiling every schema again (compiling is most of a
 * flow's deploy time). The code is written after it is used, in the
 * background; a cache that cannot be read or written only costs the compile.
 * Validators always run from the generated code, so a cached one behaves
 * exactly like a fresh one.
 *
 * Beside the code, V8's own cache of it (`<key>.<process kind>.v8`, taken shortly after the
 * deploy that read the validators, when the functions it ran are compiled) spares later starts
 * parsing and compiling the JavaScript again: most of what reading a validator
 * costs. V8 refuses a cache from another V8 version or flags; the code is then
 * compiled as without one and the cache taken again.
 */
export class ValidatorCache {
  private readonly makeAjv: () => Ajv;
  private readonly optionsKey: string;
  private readonly dir: string | null;
  private readonly requireModule: (id: string) => unknown;
  private readonly annexOf: (() => Annex) | undefined;
  /** Scripts whose V8 cache is missing or stale, by the file it goes to; written by one timer. */
  private readonly uncached = new Map<string, { script: Script; stamp: Buffer }>();
  private codeCacheTimer: NodeJS.Timeout | undefined;
  private ajv: Ajv | undefined;

  constructor(options: ValidatorCacheOptions) {
    this.makeAjv = options.makeAjv;
    this.optionsKey = options.optionsKey;
    this.dir = options.dir === undefined ? defaultValidatorCacheDir() : options.dir;
    this.annexOf = options.annex;
    const modules = options.modules ?? {};
    this.requireModule = (id) => (Object.hasOwn(modules, id) ? modules[id] : requireHere(id));
  }

  validator(schema: object): ValidateFunction {
    return this.entry(schema).validate;
  }

  /** The validator and what `annex` said when its schema was compiled. Throws what ajv's compile throws. */
  entry(schema: object): CachedValidator {
    const key = createHash("sha256").update(`${AJV_VERSION}\n${this.optionsKey}\n${JSON.stringify(schema)}`).digest("hex").slice(0, 32);
    const file = this.dir ? join(this.dir, `${key}.cjs`) : null;
    if (file) {
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
    if (file) void writeAtomically(file, code);
    return this.instantiate(code, file);
  }

  /** Writes the V8 caches still missing now rather than on the timer (tests; a runtime lets the timer do it). */
  async keepCompiledCode(): Promise<void> {
    clearTimeout(this.codeCacheTimer);
    this.codeCacheTimer = undefined;
    const pending = [...this.uncached];
    this.uncached.clear();
    // Beside code already kept: a folder removed since (a test's, an operator's) is not made again.
    for (const [file, { script, stamp }] of pending) await writeAtomically(file, Buffer.concat([stamp, script.createCachedData()]), false);
  }

  private generate(schema: object): string {
    const ajv = (this.ajv ??= this.makeAjv());
    const compiled = ajv.compile(schema);
    try {
      const annex = this.annexOf ? this.annexOf() : null;
      return `${standaloneCode(ajv, compiled)}\nmodule.exports.annex = ${JSON.stringify(annex)};\n`;
    } finally {
      // The code is all that is kept; ajv's own copy would only hold memory.
      ajv.removeSchema(schema);
    }
  }

  /** Runs the module code; `file` is where it is kept (its V8 cache sits beside it), null when nothing is kept. */
  private instantiate(code: string, file: string | null): CachedValidator {
    const v8File = file ? file.replace(/\.cjs$/, `.${PROCESS_KIND}.v8`) : null;
    const stamp = v8File ? codeStamp(code) : undefined;
    const cachedData = v8File && stamp ? cachedDataFor(readBufferIfThere(v8File), stamp) : undefined;
    const script = new Script(`(function (require, module, exports) {${code}\n})`, {
      filename: file ?? "wattflow-validator.cjs",
      ...(cachedData ? { cachedData } : {}),
    });
    const module = { exports: {} as Record<string, unknown> };
    (script.runInThisContext() as (require: (id: string) => unknown, module: object, exports: object) => void)(this.requireModule, module, module.exports);
    const validate = (module.exports.default ?? module.exports) as unknown;
    if (typeof validate !== "function") throw new Error("not a validator module");
    if (v8File && stamp && (!cachedData || script.cachedDataRejected === true)) this.keepCodeCacheLater(v8File, { script, stamp });
    return { validate: validate as ValidateFunction, annex: (module.exports.annex ?? null) as Annex };
  }

  private keepCodeCacheLater(file: string, pending: { script: Script; stamp: Buffer }): void {
    this.uncached.set(file, pending);
    clearTimeout(this.codeCacheTimer);
    this.codeCacheTimer = setTimeout(() => void this.keepCompiledCode(), CODE_CACHE_DELAY_MS);
    // Never the reason a process stays up.
    this.codeCacheTimer.unref();
  }
}

/** Written under a temporary name and renamed, so a concurrent start never reads half a file. */
async function writeAtomically(file: string, contents: string | Uint8Array, makeFolder = true): Promise<void> {
  try {
    if (makeFolder) await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temp, contents);
    await rename(temp, file);
  } catch {
    // A read-only installation: every start compiles.
  }
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

// Node's own diagnostics, which leave V8's flags (and so its caches) as they are.
const DIAGNOSTICS = /^--(cpu-prof|heap-prof|inspect|enable-source-maps)/;

/**
 * V8 refuses a cache made under other flags (a heap size, the CLI's young-generation setting), so each kind of
 * process keeps its own: the CLI and a test runner sharing a checkout would otherwise replace each other's at
 * every start. The kind is the Node version, its options (profiling and debugging aside) and the program it runs.
 */
const PROCESS_KIND = createHash("sha256")
  .update([process.version, process.execArgv.filter((arg) => !DIAGNOSTICS.test(arg)).join(" "), process.env.NODE_OPTIONS ?? "", process.argv[1] ?? ""].join("\n"))
  .digest("hex")
  .slice(0, 8);

const STAMP_BYTES = 16;

/**
 * The first bytes of a V8 cache file: a hash of the code it was made from. V8 checks its own version and
 * flags but only the length of the source, so a cache must not outlive the code it belongs to.
 */
function codeStamp(code: string): Buffer {
  return createHash("sha256").update(code).digest().subarray(0, STAMP_BYTES);
}

function cachedDataFor(file: Buffer | undefined, stamp: Buffer): Buffer | undefined {
  if (!file || file.length <= STAMP_BYTES || !file.subarray(0, STAMP_BYTES).equals(stamp)) return undefined;
  return file.subarray(STAMP_BYTES);
}

function readBufferIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
