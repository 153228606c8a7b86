import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import validate from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const reading = {
  type: "object",
  properties: {
    sensor_id: { type: "string", pattern: "^[a-z]+_\\d+$" },
    value: { type: "number", minimum: 0 },
    kind: { enum: ["ldr", "pir"] },
    email: { type: "string", format: "email" },
  },
  required: ["sensor_id", "value"],
  additionalProperties: false,
};

const start = async (config: Record<string, unknown>, baseDir?: string) => {
  t = await startTestFlow(
    {
      nodes: [
        { id: "v", type: "validate", config, wires: [["ok"], ["bad"]] },
        { id: "ok", type: "test-collect" },
        { id: "bad", type: "test-collect" },
      ],
    },
    { nodes: [validate], ...(baseDir !== undefined ? { baseDir } : {}) },
  );
  return t;
};

const statusOf = (flow: TestFlow, nodeId: string) => {
  const e = flow.events.find((x) => x.type === "status" && x.nodeId === nodeId);
  return e && "status" in e ? e.status : undefined;
};

describe("validate", () => {
  it("passes valid messages unchanged to output 1", async () => {
    await start({ schema: reading });
    const payload = { sensor_id: "ldr_1", value: 512, kind: "ldr", email: "a@b.example" };
    t!.inject("v", { topic: "s", payload });
    const [out] = await t!.waitFor("ok", 1);
    expect(out!.payload).toEqual(payload);
    expect(out!.topic).toBe("s");
    expect(out).not.toHaveProperty("errors");
    expect(t!.received("bad")).toHaveLength(0);
  });

  it("checks date-time as RFC 3339 does: a valid calendar date, a time zone, leap seconds only at the end of a UTC day", async () => {
    await start({ schema: { type: "string", format: "date-time" } });
    const valid = ["2021-11-01T00:00:00Z", "2024-02-29T12:30:00.123+01:00", "2016-12-31T23:59:60Z", "2016-12-31T18:59:60-05:00", "2021-11-01t00:00:00z", "2021-11-01 00:00:00Z"];
    const invalid = ["2023-02-29T00:00:00Z", "2021-04-31T00:00:00Z", "2021-13-01T00:00:00Z", "2021-11-01T24:00:00Z", "2021-11-01T12:00:60Z", "2021-11-01T00:00:00", "2021-11-01T00:00:00+24:00", "2021-11-01TT00:00:00Z"];
    for (const payload of [...valid, ...invalid]) t!.inject("v", { payload });
    await t!.waitFor("ok", valid.length);
    await t!.waitFor("bad", invalid.length);
    expect(t!.received("ok").map((m) => m.payload)).toEqual(valid);
    expect(t!.received("bad").map((m) => m.payload)).toEqual(invalid);
  });

  it("sends invalid messages to output 2 with every error, each with a path and a readable message", async () => {
    await start({ schema: reading });
    const payload = { sensor_id: "LDR-1", value: "high", kind: "lux", email: "nope", extra: 1 };
    t!.inject("v", { payload });
    t!.inject("v", { payload: { value: -1 } });
    t!.inject("v", { payload: 42 });
    const [first, second, third] = await t!.waitFor("bad", 3);
    expect(first!.payload).toEqual(payload);
    expect(first!.errors).toEqual([
      { path: "/extra", message: "/extra is not allowed" },
      { path: "/sensor_id", message: '/sensor_id must match pattern "^[a-z]+_\\d+$"' },
      { path: "/value", message: "/value must be number" },
      { path: "/kind", message: '/kind must be one of "ldr", "pir"' },
      { path: "/email", message: '/email must match format "email"' },
    ]);
    expect(second!.errors).toEqual([
      { path: "/sensor_id", message: "/sensor_id is required" },
      { path: "/value", message: "/value must be >= 0" },
    ]);
    expect(third!.errors).toEqual([{ path: "", message: "payload must be object" }]);
    expect(t!.received("ok")).toHaveLength(0);
    expect(t!.engine.stats().find((s) => s.nodeId === "v")).toMatchObject({ received: 3, rejected: 3 });
  });

  it("checks another property when configured", async () => {
    await start({ schema: { type: "string", minLength: 2 }, property: "topic" });
    t!.inject("v", { topic: "ok", payload: 1 });
    t!.inject("v", { topic: "x", payload: 2 });
    const [bad] = await t!.waitFor("bad", 1);
    await t!.waitFor("ok", 1);
    expect(bad!.payload).toBe(2);
    expect(bad!.errors).toEqual([{ path: "", message: "topic must NOT have fewer than 2 characters" }]);
  });

  it("coerces types and fills defaults only when asked, on the valid output, leaving the original alone", async () => {
    const schema = {
      type: "object",
      properties: { value: { type: "number" }, unit: { type: "string", default: "lx" } },
      required: ["value"],
    };
    await start({ schema });
    t!.inject("v", { payload: { value: "21.5" } });
    const [strict] = await t!.waitFor("bad", 1);
    expect(strict!.errors).toEqual([{ path: "/value", message: "/value must be number" }]);
    await t!.stop();

    await start({ schema, coerceTypes: true, useDefaults: true });
    const original = { value: "21.5" };
    t!.inject("v", { payload: original });
    t!.inject("v", { payload: { value: "high" } });
    const [out] = await t!.waitFor("ok", 1);
    expect(out!.payload).toEqual({ value: 21.5, unit: "lx" });
    expect(original).toEqual({ value: "21.5" });
    const [bad] = await t!.waitFor("bad", 1);
    expect(bad!.payload).toEqual({ value: "high" });
  });

  it("coerces a bare root value", async () => {
    await start({ schema: { type: "number" }, coerceTypes: true });
    t!.inject("v", { payload: "13.8" });
    const [out] = await t!.waitFor("ok", 1);
    expect(out!.payload).toBe(13.8);
  });

  it("understands 2020-12 schemas", async () => {
    await start({
      schema: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "array", prefixItems: [{ type: "string" }, { type: "number" }], items: false },
    });
    t!.inject("v", { payload: ["a", 1] });
    t!.inject("v", { payload: ["a", 1, 2] });
    await t!.waitFor("ok", 1);
    const [bad] = await t!.waitFor("bad", 1);
    expect(bad!.errors).toEqual([{ path: "", message: "payload must NOT have more than 2 items" }]);
  });

  it.each([
    [{ type: "object", properties: { value: { type: "nubmer" } } }, /config\.schema is not a valid JSON Schema: \/properties\/value\/type must be one of "array", "boolean", "integer", "null", "number", "object", "string"$/],
    [{ type: "object", requierd: ["value"] }, /config\.schema is not a valid JSON Schema: strict mode: unknown keyword: "requierd"/],
    [{ type: "string", pattern: "(" }, /config\.schema is not a valid JSON Schema: Invalid regular expression/],
    [{ $ref: "#/$defs/reading" }, /config\.schema is not a valid JSON Schema: can't resolve reference #\/\$defs\/reading/],
    [{ type: "string", format: "sensor-id" }, /config\.schema is not a valid JSON Schema: unknown format "sensor-id"/],
  ])("refuses a bad schema %j at deploy, naming the problem", async (schema, reason) => {
    const refused = startTestFlow({ nodes: [{ id: "v", type: "validate", config: { schema } }] }, { nodes: [validate] });
    await expect(refused).rejects.toThrow(/\/nodes\/0\/config\/schema: /);
    await expect(refused).rejects.toThrow(reason);
  });

  it("refuses every node that shares a bad schema, each by its own place in the flow", async () => {
    const schema = { type: "object", properties: { value: { type: "nubmer" } } };
    const refused = startTestFlow(
      { nodes: [{ id: "first", type: "validate", config: { schema } }, { id: "second", type: "validate", config: { schema } }] },
      { nodes: [validate] },
    );
    await expect(refused).rejects.toThrow(/first \/nodes\/0\/config\/schema: config\.schema is not a valid JSON Schema: \/properties\/value\/type must be one of/);
    await expect(refused).rejects.toThrow(/second \/nodes\/1\/config\/schema: config\.schema is not a valid JSON Schema: \/properties\/value\/type must be one of/);
  });

  it("accepts unknown keywords with strict off", async () => {
    await start({ schema: { type: "object", "x-unit": "W", properties: { value: { type: "number" } } }, strict: false });
    t!.inject("v", { payload: { value: 1 } });
    await t!.waitFor("ok", 1);
  });

  it("takes the schema literally: ${...} in a pattern is not a flow variable", async () => {
    await start({ schema: { type: "string", pattern: "^\\$\\{[A-Z]+\\}$" } });
    t!.inject("v", { payload: "${HOME}" });
    await t!.waitFor("ok", 1);
  });

  it("refuses a schema that is not an object at deploy", async () => {
    await expect(startTestFlow({ nodes: [{ id: "v", type: "validate", config: { schema: "number" } }] }, { nodes: [validate] })).rejects.toThrow(
      /\/nodes\/0\/config\/schema: must be object/,
    );
  });

  it("reads the schema from a file next to the flow, and describes errors as error.errors and, with answer drf, as a 400 body", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wattflow-validate-"));
    try {
      writeFileSync(join(dir, "reading.schema.json"), JSON.stringify(reading));
      await start({ schemaFile: "reading.schema.json", path: "payload.reading", answer: "drf" }, dir);
      t!.inject("v", { payload: { reading: { sensor_id: "ldr_1", value: 2 } } });
      await t!.waitFor("ok", 1);
      t!.inject("v", { topic: "up", payload: { reading: { sensor_id: "ldr_1", value: "x", battery: { soc: 1 } } } });
      const [bad] = await t!.waitFor("bad", 1);
      expect(bad!.topic).toBe("up");
      expect(bad!.error).toEqual({
        message: "payload.reading is invalid: /battery is not allowed; /value must be number",
        errors: [
          { path: "/battery", message: "is not allowed" },
          { path: "/value", message: "must be number" },
        ],
      });
      expect(bad!.payload).toEqual({ detail: "battery: is not allowed", errors: { battery: ["is not allowed"], value: ["must be number"] } });
      // Field names that an ordinary object inherits are fields like any other.
      t!.inject("v", { payload: { reading: { sensor_id: "ldr_1", value: 1, constructor: 1, toString: 2 } } });
      const [, odd] = await t!.waitFor("bad", 2);
      expect(JSON.parse(JSON.stringify(odd!.payload))).toEqual({
        detail: "constructor: is not allowed",
        errors: { constructor: ["is not allowed"], toString: ["is not allowed"] },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses at deploy a missing schema file, and both or neither of schema and schemaFile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wattflow-validate-"));
    try {
      const flow = (config: Record<string, unknown>) => ({ nodes: [{ id: "v", type: "validate", config }] });
      await expect(startTestFlow(flow({ schemaFile: "missing.json" }), { nodes: [validate], baseDir: dir })).rejects.toThrow(/\/config\/schemaFile: cannot read "missing.json"/);
      await expect(startTestFlow(flow({}), { nodes: [validate] })).rejects.toThrow(/give either schema or schemaFile/);
      await expect(startTestFlow(flow({ schema: reading, schemaFile: "x.json" }), { nodes: [validate] })).rejects.toThrow(/give either schema or schemaFile/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("words problems with the schema's x-message and answers them as a list or a sentence, with status 400", async () => {
    const schema = {
      type: "object",
      "x-message": "must be a JSON object",
      properties: { months: { type: "integer", minimum: 1, maximum: 120, default: 12, "x-message": "must be a whole number from 1 to 120" }, unit: { type: "string" } },
      required: ["unit"],
    };
    await start({ schema, path: "req.query", coerceTypes: true, useDefaults: true, answer: "details", answerError: "invalid parameter" });
    t!.inject("v", { req: { query: { months: "0" } } });
    t!.inject("v", { req: { query: ["x"] } });
    t!.inject("v", { req: { query: { unit: "kWh" } } });
    const [bad, notObject] = await t!.waitFor("bad", 2);
    expect(bad).toMatchObject({ statusCode: 400, payload: { error: "invalid parameter", details: ["unit is required", "months must be a whole number from 1 to 120"] } });
    expect(notObject!.payload).toEqual({ error: "invalid parameter", details: ["body must be a JSON object"] });
    // The valid output carries the default filled in.
    expect((await t!.waitFor("ok", 1))[0]!.req).toEqual({ query: { unit: "kWh", months: 12 } });
    await t!.stop();
    await start({ schema, path: "req.query", coerceTypes: true, answer: "message", answerError: "invalid parameter" });
    t!.inject("v", { req: { query: { months: "200" } } });
    expect((await t!.waitFor("bad", 1))[0]!.payload).toEqual({ error: "invalid parameter", message: "unit is required; months must be a whole number from 1 to 120" });
  });
});
