import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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

/**
 * Node config validators as ajv standalone code, kept on disk by a hash of the
 * schema, the compile options and ajv's version. A start finds the code the
 * previous one generated instead of compiling every node type's schema again
 * (compiling is most of a flow's deploy time). The code is written after it is
 * used, in the background; a cache that cannot be read or written only costs
 * the compile. Validators always run from the generated code, so a cached one
 * behaves exactly like a fresh one.
 */
export class ValidatorCache {
  constructor(
    /** Makes an ajv with `code.source` on; called when the cache first lacks a schema's code. */
    private readonly makeAjv: () => Ajv,
    /** What besides the schema shapes the code (the ajv options). */
    private readonly optionsKey: string,
    private readonly dir: string | null = defaultValidatorCacheDir(),
  ) {}

  validator(schema: object): ValidateFunction {
    const key = createHash("sha256").update(`${AJV_VERSION}\n${this.optionsKey}\n${JSON.stringify(schema)}`).digest("hex").slice(0, 32);
    const file = this.dir ? join(this.dir, `${key}.cjs`) : null;
    if (file) {
      const cached = readIfThere(file);
      if (cached !== undefined) {
        try {
          return instantiate(cached);
        } catch {
          // A file cut short or from elsewhere: compiled again below, and replaced.
        }
      }
    }
    const code = this.generate(schema);
    if (file) void this.keep(file, code);
    return instantiate(code);
  }

  private ajv: Ajv | undefined;

  private generate(schema: object): string {
    const ajv = (this.ajv ??= this.makeAjv());
    const compiled = ajv.compile(schema);
    try {
      return standaloneCode(ajv, compiled);
    } finally {
      // The code is all that is kept; ajv's own copy would only hold memory.
      ajv.removeSchema(schema);
    }
  }

  /** Written under a temporary name and renamed, so a concurrent start never reads half a file. */
  private async keep(file: string, code: string): Promise<void> {
    try {
      await mkdir(dirname(file), { recursive: true });
      const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(temp, code);
      await rename(temp, file);
    } catch {
      // A read-only installation: every start compiles.
    }
  }
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function instantiate(code: string): ValidateFunction {
  const module = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- ajv generates this code from a schema, as its compile does
  new Function("require", "module", "exports", code)(requireHere, module, module.exports);
  const validate = (module.exports.default ?? module.exports) as unknown;
  if (typeof validate !== "function") throw new Error("not a validator module");
  return validate as ValidateFunction;
}
