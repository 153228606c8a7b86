/**
 * Config validation results kept between starts: a later start with the same config gets the same config
 * (defaults, coercion, property order) without loading the validator; a failing config is always judged by
 * the validator, and only values JSON gives back exactly are answered from the kept results.
 */
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { exactJson } from "./validation-results.js";

const schema = Type.Object({
  interval: Type.String({ pattern: "^\\d+(ms|s|m)$", default: "10s" }),
  retries: Type.Integer({ minimum: 0, default: 2 }),
  tags: Type.Array(Type.String(), { default: [] }),
});

type ValidateModule = typeof import("./validate.js");

describe("kept config validation results", () => {
  let dir: string;
  const saved = process.env.WATTFLOW_CACHE_DIR;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-results-"));
    process.env.WATTFLOW_CACHE_DIR = dir;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.WATTFLOW_CACHE_DIR;
    else process.env.WATTFLOW_CACHE_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  });

  /** validate.js as a new start sees it: no validator or result in memory. */
  async function freshStart(): Promise<ValidateModule> {
    vi.resetModules();
    return import("./validate.js");
  }
  const validatorFiles = async () => (await readdir(join(dir, "validators"))).filter((f) => f.endsWith(".cjs"));

  it("keeps nothing that may hold a secret: a value the environment supplied, or a type with secret fields", async () => {
    vi.resetModules();
    const { compileFlow } = await import("./index.js");
    const { keepValidationResults } = await import("./validate.js");
    const { doc, registry } = await import("./__fixtures__/registry.js");
    const env = { SITE_RULE: "from-the-environment-7f3a" };
    const compile = (nodes: unknown[], file: string) => {
      const r = compileFlow(doc(nodes as never), { registry, env, file });
      expect(r.ok ? [] : r.errors).toEqual([]);
    };
    compile([{ id: "r", type: "route", config: { rules: ["${SITE_RULE}"] } }], "flows/env.json");
    // A default written in the flow file is on disk already: that config may be kept.
    compile([{ id: "r", type: "route", config: { rules: ["${UNSET_RULE:-from-the-flow-file-91c2}"] } }], "flows/default.json");
    compile([{ id: "p", type: "poll", config: { label: "poll-with-a-secret-field-4d0e" } }], "flows/secret.json");
    await keepValidationResults();
    const files = (await readdir(join(dir, "validators"))).filter((f) => f.endsWith(".results.json"));
    const kept = (await Promise.all(files.map((f) => readFile(join(dir, "validators", f), "utf8")))).join("\n");
    expect(kept).toContain("from-the-flow-file-91c2");
    expect(kept).not.toContain("from-the-environment-7f3a");
    expect(kept).not.toContain("poll-with-a-secret-field-4d0e");
    for (const f of files) expect((await stat(join(dir, "validators", f))).mode & 0o077).toBe(0);
  });

  it("a later start gets the same config without loading the validator, and a failing one is still judged by it", async () => {
    const first = await freshStart();
    const config: Record<string, unknown> = { retries: "3", name: "kept" };
    expect(first.validateConfig(schema, config)).toEqual([]);
    const validated = JSON.stringify(config);
    expect(validated).toBe(JSON.stringify({ retries: 3, name: "kept", interval: "10s", tags: [] }));
    await first.keepValidationResults();
    // The validator's code was written in the background: wait for it, then take it away.
    for (let i = 0; i < 100 && (await validatorFiles()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    for (const f of await validatorFiles()) await unlink(join(dir, "validators", f));

    const second = await freshStart();
    // The same module graph as `second`: a validator asked for would go through this class.
    const { ValidatorCache } = await import("./validator-cache.js");
    const asked = vi.spyOn(ValidatorCache.prototype, "validator");
    const again: Record<string, unknown> = { retries: "3", name: "kept" };
    expect(second.validateConfig(schema, again)).toEqual([]);
    expect(JSON.stringify(again)).toBe(validated);
    expect(asked).not.toHaveBeenCalled();
    asked.mockRestore();

    // A document that passed is taken as passing too; one that does not is still described.
    const doc = { format: "wattflow/flow@1", id: "kept", nodes: [{ id: "a", type: "inject", config: {} }] };
    expect(second.validateDocumentShape(doc)).toEqual([]);
    await second.keepValidationResults();
    expect((await freshStart()).validateDocumentShape(doc)).toEqual([]);
    expect((await freshStart()).validateDocumentShape({ format: "one" }).length).toBeGreaterThan(0);
    await second.keepValidationResults();
    for (const f of await validatorFiles()) await unlink(join(dir, "validators", f));

    const failing = { interval: "often", retries: -1 };
    for (let round = 0; round < 2; round++) {
      const problems = second.validateConfig(schema, structuredClone(failing));
      expect(problems.map((p) => p.pointer).sort()).toEqual(["/interval", "/retries"]);
      await second.keepValidationResults();
    }
    // Only now was the validator needed (its code is written in the background).
    for (let i = 0; i < 100 && (await validatorFiles()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await validatorFiles()).some((f) => f.endsWith(".cjs"))).toBe(true);

    // A config the validator leaves as it is stays untouched (even frozen) when taken from the results.
    const complete = () => Object.freeze({ interval: "5s", retries: 1, tags: Object.freeze(["a"]) });
    expect(second.validateConfig(schema, complete() as Record<string, unknown>)).toEqual([]);
    await second.keepValidationResults();
    expect((await freshStart()).validateConfig(schema, complete() as Record<string, unknown>)).toEqual([]);
  });

  it("does not trust a damaged kept value: the validator decides", async () => {
    const first = await freshStart();
    const config = { retries: "4", name: "damaged" };
    expect(first.validateConfig(schema, { ...config })).toEqual([]);
    await first.keepValidationResults();
    const files = (await readdir(join(dir, "validators"))).filter((f) => f.endsWith(".results.json"));
    for (const damage of ["{not json", "null", "[1]"]) {
      for (const f of files) {
        const kept = JSON.parse(await readFile(join(dir, "validators", f), "utf8")) as Record<string, string>;
        await writeFile(join(dir, "validators", f), JSON.stringify(Object.fromEntries(Object.keys(kept).map((k) => [k, damage]))));
      }
      const again: Record<string, unknown> = { ...config };
      expect((await freshStart()).validateConfig(schema, again)).toEqual([]);
      expect(again).toEqual({ retries: 4, name: "damaged", interval: "10s", tags: [] });
    }
  });

  it("lets go of the validators a deploy loaded once the deploys pause, and one read again judges alike", async () => {
    const start = await freshStart();
    const { COMPILER_KEPT_MS, ValidatorCache } = await import("./validator-cache.js");
    const loaded = vi.spyOn(ValidatorCache.prototype, "validator");
    try {
      const failing = { interval: "often", retries: -1 };
      const judge = () => start.validateConfig(schema, structuredClone(failing));
      const first = judge();
      expect(first.map((p) => p.pointer).sort()).toEqual(["/interval", "/retries"]);
      expect(judge()).toEqual(first);
      expect(loaded).toHaveBeenCalledTimes(1);
      await new Promise((r) => setTimeout(r, COMPILER_KEPT_MS + 200));
      expect(judge()).toEqual(first);
      expect(loaded).toHaveBeenCalledTimes(2);
    } finally {
      loaded.mockRestore();
      await start.keepValidationResults();
    }
  });

  it("hashes a schema once when its validator is needed, and keeps its results only for the ajv-formats that made them", async () => {
    const dated = Type.Object({ at: Type.String({ format: "date-time" }), every: Type.String({ default: "1m" }) });
    const first = await freshStart();
    const { ValidatorCache } = await import("./validator-cache.js");
    const hashed = vi.spyOn(ValidatorCache.prototype, "keyOf");
    const config: Record<string, unknown> = { at: "2021-11-01T05:00:00Z" };
    expect(first.validateConfig(dated, config)).toEqual([]);
    expect(config.every).toBe("1m");
    expect(hashed).toHaveBeenCalledTimes(1);
    await first.keepValidationResults();

    /** Whether a later start (with the ajv-formats version given, else the installed one) asks for the validator. */
    const asksValidator = async (formatsVersion?: string): Promise<boolean> => {
      vi.resetModules();
      if (formatsVersion) vi.doMock("./library-versions.js", async (actual) => ({ ...(await actual<object>()), AJV_FORMATS_VERSION: formatsVersion }));
      try {
        const start = await import("./validate.js");
        const { ValidatorCache: Cache } = await import("./validator-cache.js");
        const asked = vi.spyOn(Cache.prototype, "entry");
        expect(start.validateConfig(dated, { at: "2021-11-01T05:00:00Z" })).toEqual([]);
        await start.keepValidationResults();
        return asked.mock.calls.length > 0;
      } finally {
        vi.doUnmock("./library-versions.js");
        vi.restoreAllMocks();
      }
    };
    expect(await asksValidator()).toBe(false);
    expect(await asksValidator("0.0.0-another")).toBe(true);
  });
});

describe("exactJson", () => {
  it("gives the JSON of values JSON gives back exactly, and nothing for the others", () => {
    expect(exactJson({ a: [1, "x", true, null, { b: 2.5 }] })).toBe('{"a":[1,"x",true,null,{"b":2.5}]}');
    for (const value of [{ a: undefined }, { a: Number.NaN }, { a: -0 }, { a: new Date(0) }, [1, , 3], JSON.parse('{"__proto__":{"x":1}}'), { f: () => 1 }, { [Symbol("s")]: 1 }]) {
      expect(exactJson(value)).toBeUndefined();
    }
  });
});
