/**
 * Schemas kept on disk between starts: a later start (a fresh module here) reads the validators and the
 * meta-schema check instead of compiling them, and they behave as freshly compiled ones do: formats,
 * coercion, ajv's notes about the schema, and a bad schema refused with its problem in words; a schema
 * that passed before is not checked again and its validator loads at its first use.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterEach, describe, expect, it, vi } from "vitest";

type CompileSchema = typeof import("./compile-schema.js").compileSchema;
type CompileModule = typeof import("./compile-schema.js");

const STRICT = { coerceTypes: false, useDefaults: false, strict: true };
const reading = {
  type: "object",
  properties: { at: { type: "string", format: "date-time" }, value: { type: "number", minimum: 0 } },
  required: ["at", "value"],
};
// No `type: "object"` beside `properties`: ajv notes it (strictTypes "log") while compiling.
const noted = { properties: { value: { type: "number" } } };

describe("compileSchema across starts", () => {
  let dir: string | undefined;
  const before = process.env.WATTFLOW_CACHE_DIR;
  afterEach(async () => {
    vi.restoreAllMocks();
    if (before === undefined) delete process.env.WATTFLOW_CACHE_DIR;
    else process.env.WATTFLOW_CACHE_DIR = before;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** The module as a new process loads it, with its caches empty. */
  async function freshStart(): Promise<CompileSchema> {
    vi.resetModules();
    return (await import("./compile-schema.js")).compileSchema;
  }

  const settle = async (folder: string, count: number) => {
    // The code is written in the background, after it is used.
    for (let i = 0; i < 100 && (await readdir(folder).catch(() => [])).filter((f) => f.endsWith(".cjs")).length < count; i++) await new Promise((r) => setTimeout(r, 20));
  };

  it("a later start reads the validators, which check, coerce, log and refuse as fresh ones do", async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-validate-cache-"));
    process.env.WATTFLOW_CACHE_DIR = dir;
    const folder = join(dir, "validators");
    let firstCompiles = 0;
    // Every flavour's ajv (draft-07, 2019-09, 2020-12) compiles with the one method they inherit.
    const compile = vi.spyOn(Object.getPrototypeOf(Ajv.prototype) as Ajv, "compile");

    for (const start of [1, 2]) {
      const compileSchema = await freshStart();
      const logged: string[] = [];
      const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };

      const strict = compileSchema(reading, STRICT, log);
      expect(strict.test({ at: "2021-11-01T05:00:00Z", value: 3 })).toBe(true);
      expect(strict.test({ at: "2021-02-30T05:00:00Z", value: 3 })).toBe(false);
      expect(strict.errors.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual(["/at format"]);

      const coercing = compileSchema({ type: "number" }, { ...STRICT, coerceTypes: true }, log);
      const holder = { value: "21.5" as unknown };
      expect(coercing.testInPlace(holder)).toBe(true);
      expect(holder.value).toBe(21.5);

      compileSchema(noted, STRICT, log);
      expect(logged.join("\n")).toMatch(/missing type "object" for keyword "properties"/);

      expect(() => compileSchema({ type: "object", properties: { value: { type: "nubmer" } } }, STRICT, log)).toThrow(
        /config\.schema is not a valid JSON Schema: \/properties\/value\/type must be one of "array", "boolean", "integer", "null", "number", "object", "string"$/,
      );
      expect(() => compileSchema({ type: "object", requierd: ["value"] }, STRICT, log)).toThrow(/unknown keyword: "requierd"/);
      expect(() => compileSchema({ $schema: "https://json-schema.org/draft/2020-12/schema", prefixItems: {} }, STRICT, log)).toThrow(/\/prefixItems must be array/);
      expect(() => compileSchema({ $schema: "http://json-schema.org/draft-04/schema#", type: "string" }, STRICT, log)).toThrow(/\$schema "http:\/\/json-schema\.org\/draft-04\/schema#" is not one this node reads/);

      // The first start compiled and wrote the meta-schema checks (draft-07 and 2020-12) and the three good schemas;
      // the second read them and compiled only the schemas that fail.
      if (start === 1) {
        await settle(folder, 5);
        firstCompiles = compile.mock.calls.length;
        expect(firstCompiles).toBeGreaterThanOrEqual(5);
      } else {
        expect(compile.mock.calls.length - firstCompiles).toBe(1); // "requierd": strict mode refuses it at compile
      }
      expect((await readdir(folder)).filter((f) => f.endsWith(".cjs"))).toHaveLength(5);
    }
  });

  it("a schema that passed at an earlier start is not checked again, and its validator loads at its first use", async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-validate-cache-"));
    process.env.WATTFLOW_CACHE_DIR = dir;
    const start = async (): Promise<CompileModule> => {
      vi.resetModules();
      return import("./compile-schema.js");
    };
    const first = await start();
    first.compileSchema(reading, STRICT, { info: () => undefined, warn: () => undefined, error: () => undefined });
    first.compileSchema(noted, STRICT, { info: () => undefined, warn: () => undefined, error: () => undefined });
    await first.keepSchemaChecks();
    await settle(join(dir, "validators"), 3);

    const second = await start();
    // The same module graph as `second`: every validator, the meta-schema check's included, comes through this class.
    const { ValidatorCache } = await import("@wattflow/runtime");
    const loaded = vi.spyOn(ValidatorCache.prototype, "entry");
    const compile = vi.spyOn(Object.getPrototypeOf(Ajv.prototype) as Ajv, "compile");
    const logged: string[] = [];
    const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
    const strict = second.compileSchema(reading, STRICT, log);
    second.compileSchema(noted, STRICT, log);
    expect(logged.join("\n")).toMatch(/missing type "object" for keyword "properties"/);
    expect(loaded).not.toHaveBeenCalled();
    expect(compile).not.toHaveBeenCalled();

    expect(strict.errors).toEqual([]);
    expect(strict.test({ at: "2021-02-30T05:00:00Z", value: 3 })).toBe(false);
    expect(strict.errors.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual(["/at format"]);
    expect(strict.test({ at: "2021-11-01T05:00:00Z", value: 3 })).toBe(true);
    expect(loaded).toHaveBeenCalledTimes(1);
    expect(compile).not.toHaveBeenCalled();
    // A schema not known to pass is still checked and refused.
    expect(() => second.compileSchema({ type: "object", properties: { value: { type: "nubmer" } } }, STRICT, log)).toThrow(/\/properties\/value\/type must be one of/);
    await second.keepSchemaChecks();
  });
});
