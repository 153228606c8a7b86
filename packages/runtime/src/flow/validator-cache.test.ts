/**
 * Config validators kept on disk between starts: a second start reads the code the first wrote
 * instead of compiling, the code validates exactly as a fresh compile does (defaults, coercion,
 * every error), and a damaged file is compiled again and replaced.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Ajv, _ } from "ajv";
import { Type } from "@sinclair/typebox";
import { afterEach, describe, expect, it } from "vitest";
import { ValidatorCache } from "./validator-cache.js";

const schema = Type.Object({
  interval: Type.String({ pattern: "^\\d+(ms|s|m)$", default: "10s" }),
  retries: Type.Integer({ minimum: 0, default: 2 }),
  mode: Type.Union([Type.Literal("poll"), Type.Literal("push")], { default: "poll" }),
});

const OPTIONS = { allErrors: true, strict: false, useDefaults: true, coerceTypes: true, verbose: true } as const;

describe("ValidatorCache", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A cache whose ajv counts the schemas it had to compile. */
  function cacheIn(folder: string | null) {
    const made = { compiles: 0 };
    const cache = new ValidatorCache({
      makeAjv: () => {
        const ajv = new Ajv({ ...OPTIONS, code: { optimize: false, source: true } });
        const compile = ajv.compile.bind(ajv);
        ajv.compile = ((s: object) => {
          made.compiles += 1;
          return compile(s);
        }) as typeof ajv.compile;
        return ajv;
      },
      optionsKey: "test",
      dir: folder,
    });
    return { cache, made };
  }

  const settle = async (folder: string, count: number) => {
    // The code is written in the background, after it is used.
    for (let i = 0; i < 100 && (await readdir(folder).catch(() => [])).filter((f) => f.endsWith(".cjs")).length < count; i++) await new Promise((r) => setTimeout(r, 20));
  };

  it("a later start reads the validator instead of compiling it, and it fills defaults, coerces and reports like a fresh one", async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-validators-"));
    const first = cacheIn(dir);
    const fresh = first.cache.validator(schema);
    expect(first.made.compiles).toBe(1);
    await settle(dir, 1);

    const second = cacheIn(dir);
    const cached = second.cache.validator(schema);
    expect(second.made.compiles).toBe(0);

    for (const validate of [fresh, cached]) {
      const config: Record<string, unknown> = { retries: "3" };
      expect(validate(config)).toBe(true);
      expect(config).toEqual({ interval: "10s", retries: 3, mode: "poll" });
      expect(validate({ interval: "often", retries: -1, mode: "pull" })).toBe(false);
      expect(validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`).sort()).toEqual(["/interval pattern", "/mode anyOf", "/mode const", "/mode const", "/retries minimum"]);
    }
  });

  it("compiles again over a damaged file, and works with no folder at all", async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-validators-"));
    cacheIn(dir).cache.validator(schema);
    await settle(dir, 1);
    const [file] = (await readdir(dir)).filter((f) => f.endsWith(".cjs"));
    await writeFile(join(dir, file!), "module.exports = ");

    const again = cacheIn(dir);
    expect(again.cache.validator(schema)({})).toBe(true);
    expect(again.made.compiles).toBe(1);
    for (let i = 0; i < 100 && (await readFile(join(dir, file!), "utf8")).length < 100; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await readFile(join(dir, file!), "utf8")).length).toBeGreaterThan(100);

    const none = cacheIn(null);
    expect(none.cache.validator(schema)({ retries: 1 })).toBe(true);
    expect(none.made.compiles).toBe(1);
  });

  it("keeps no V8 compiled-code cache beside the validator (release V8 does not verify one)", async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-validators-"));
    const first = cacheIn(dir);
    first.cache.validator(schema)({});
    await settle(dir, 1);
    const second = cacheIn(dir);
    const validate = second.cache.validator(schema);
    expect(second.made.compiles).toBe(0);
    expect(validate({ retries: -1 })).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual(["/retries minimum"]);
    expect((await readdir(dir)).filter((f) => !f.endsWith(".cjs"))).toEqual([]);
  });

  it("keeps its ajv for the compiles of one deploy, then lets go of it, and compiles alike with a new one", async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-validators-"));
    const made: WeakRef<Ajv>[] = [];
    const cache = new ValidatorCache({
      makeAjv: () => {
        const ajv = new Ajv({ ...OPTIONS, code: { optimize: false, source: true } });
        made.push(new WeakRef(ajv));
        return ajv;
      },
      optionsKey: "let go",
      dir,
      compilerKeptMs: 30,
    });
    const other = Type.Object({ name: Type.String({ minLength: 2 }) });
    cache.validator(schema);
    cache.validator(other);
    expect(made).toHaveLength(1);
    expect(cache.holdsCompiler).toBe(true);
    for (let i = 0; i < 100 && cache.holdsCompiler; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cache.holdsCompiler).toBe(false);
    // Nothing else holds it (its scope kept every schema it compiled).
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
    expect(made[0]!.deref()).toBeUndefined();

    const third = Type.Object({ level: Type.Integer({ maximum: 5 }) });
    const validate = cache.validator(third);
    expect(made).toHaveLength(2);
    expect(validate({ level: 7 })).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual(["/level maximum"]);
    await settle(dir, 3);
  });

  it("gives the code the caller's modules and keeps what annex said at compile time", async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-validators-"));
    const withFormat = Type.Object({ code: Type.String({ format: "plant-code" }) });
    let compiles = 0;
    const make = () => {
      const cache = new ValidatorCache({
        makeAjv: () => {
          compiles += 1;
          const ajv = new Ajv({ ...OPTIONS, code: { optimize: false, source: true, formats: _`require("test:formats")` } });
          ajv.addFormat("plant-code", /^PV-\d+$/);
          return ajv;
        },
        optionsKey: "formats",
        dir,
        modules: { "test:formats": { "plant-code": /^PV-\d+$/ } },
        annex: () => ({ compiledAt: "first start" }),
      });
      return cache;
    };
    const fresh = make().entry(withFormat);
    await settle(dir, 1);
    const cached = make().entry(withFormat);
    expect(compiles).toBe(1);
    for (const { validate, annex } of [fresh, cached]) {
      expect(annex).toEqual({ compiledAt: "first start" });
      expect(validate({ code: "PV-12" })).toBe(true);
      expect(validate({ code: "12" })).toBe(false);
      expect(validate.errors?.[0]?.keyword).toBe("format");
    }
  });
});
