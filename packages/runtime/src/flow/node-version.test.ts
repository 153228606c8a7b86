import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { defineNode, type AnyNodeDefinition } from "../registry/define.js";
import { Registry } from "../registry/registry.js";
import { runCli } from "../cli/main.js";
import { compileFlow, formatIssue } from "./index.js";

// Version 1 of "scale" had `factor`; version 2 calls it `multiplier` and adds `offset`.
const scaleV1 = defineNode({
  type: "scale",
  category: "test",
  summary: "scales",
  config: Type.Object({ factor: Type.Number({ default: 1 }) }, { additionalProperties: false }),
  inputs: 1,
  outputs: ["out"],
  create: () => ({}),
});

const migrations: { config: Readonly<Record<string, unknown>>; from: number }[] = [];
const scaleV2 = defineNode({
  type: "scale",
  category: "test",
  summary: "scales",
  version: 2,
  migrate(config, fromVersion) {
    migrations.push({ config, from: fromVersion });
    if (config.factor === "broken") throw new Error("factor cannot be read");
    const { factor, ...rest } = config;
    return { ...rest, multiplier: factor ?? 1, offset: 0 };
  },
  config: Type.Object({ multiplier: Type.Number(), offset: Type.Number({ default: 0 }) }, { additionalProperties: false }),
  inputs: 1,
  outputs: ["out"],
  create: () => ({}),
});

function registryWith(definition: AnyNodeDefinition): Registry {
  const registry = new Registry();
  registry.registerNode(definition, "wattflow-node-scale");
  return registry;
}

const flowDoc = (node: Record<string, unknown>) => ({ format: "wattflow/flow@1", id: "plant", nodes: [{ id: "s", type: "scale", ...node }] });

describe("versioned node types", () => {
  it("migrates a node written for an older version, says so as a warning, and the document records the new version", () => {
    const raw = flowDoc({ config: { factor: "${FACTOR}" } });
    const before = structuredClone(raw);
    const result = compileFlow(raw, { registry: registryWith(scaleV2), env: { FACTOR: "3" }, file: "plant.json" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // Migration sees the file's config (references unresolved); validation then resolves and checks it.
    expect(migrations.at(-1)).toEqual({ config: { factor: "${FACTOR}" }, from: 1 });
    expect(result.flow.nodes[0]!.config).toEqual({ multiplier: 3, offset: 0 });
    expect(result.flow.document.nodes[0]).toMatchObject({ typeVersion: 2, config: { multiplier: "${FACTOR}", offset: 0 } });
    expect(result.warnings.map(formatIssue)).toEqual([
      "plant.json: plant/s /nodes/0/typeVersion: written for scale version 1, migrated to version 2 on load (saving the flow records version 2)",
    ]);
    expect(raw).toEqual(before);
    // The migrated document loads as it is: nothing left to migrate.
    const again = compileFlow(result.flow.document, { registry: registryWith(scaleV2), env: { FACTOR: "3" } });
    expect(again.ok && again.warnings).toEqual([]);
  });

  it("refuses a node written for a newer version than the installed type, naming flow, node and versions", () => {
    const result = compileFlow(flowDoc({ typeVersion: 2, config: { multiplier: 2 } }), { registry: registryWith(scaleV1), env: {}, file: "plant.json" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(formatIssue)).toEqual([
      "plant.json: plant/s /nodes/0/typeVersion: written for scale version 2, but the installed scale (from wattflow-node-scale) is version 1: update the plugin, or edit the node for version 1",
    ]);
  });

  it("reports a migration that throws, and a migrated config the new schema refuses", () => {
    const thrown = compileFlow(flowDoc({ config: { factor: "broken" } }), { registry: registryWith(scaleV2), env: {} });
    expect(!thrown.ok && thrown.errors.map(formatIssue)).toEqual(["plant/s /nodes/0/config: scale could not migrate this config from version 1 to 2: factor cannot be read"]);
    const refused = compileFlow(flowDoc({ config: { factor: 2, extra: true } }), { registry: registryWith(scaleV2), env: {} });
    expect(!refused.ok && refused.errors.map(formatIssue).join("\n")).toContain("plant/s /nodes/0/config");
  });

  it("leaves a node at the current version alone and rejects a typeVersion that is not a whole number from 1", () => {
    const current = compileFlow(flowDoc({ typeVersion: 2, config: { multiplier: 5 } }), { registry: registryWith(scaleV2), env: {} });
    expect(current.ok && current.warnings).toEqual([]);
    const bad = compileFlow(flowDoc({ typeVersion: 0, config: { multiplier: 5 } }), { registry: registryWith(scaleV2), env: {} });
    expect(!bad.ok && bad.errors.map(formatIssue).join("\n")).toContain("plant/s /nodes/0/typeVersion: must be >= 1");
  });

  it("defineNode refuses a version without a migrate, and a version that is not a whole number", () => {
    expect(() => defineNode({ ...scaleV1, version: 2 })).toThrow('node type "scale" is at version 2 but has no migrate');
    expect(() => defineNode({ ...scaleV1, version: 1.5 })).toThrow("version must be a whole number from 1");
    expect(registryWith(scaleV2).catalog().nodes[0]!.version).toBe(2);
  });
});

describe("wattflow validate with versioned types", () => {
  const root = mkdtempSync(join(tmpdir(), "wattflow-version-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("warns about a migrated node and fails on one written for a newer version", async () => {
    const nodes = join(root, "nodes");
    mkdirSync(nodes);
    // A loose plugin module: plain JSON Schema, no build step.
    writeFileSync(
      join(nodes, "scale.mjs"),
      `export default { nodes: [{ type: "scale", category: "test", summary: "scales", version: 2, inputs: 1, outputs: ["out"],
        config: { type: "object", properties: { multiplier: { type: "number" } }, required: ["multiplier"], additionalProperties: false },
        migrate: (c) => ({ multiplier: c.factor ?? 1 }), create: () => ({}) }] };\n`,
    );
    const old = join(root, "old.json");
    const future = join(root, "future.json");
    writeFileSync(old, JSON.stringify(flowDoc({ config: { factor: 4 } })));
    writeFileSync(future, JSON.stringify({ ...flowDoc({ typeVersion: 3, config: { multiplier: 4 } }), id: "future" }));
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    expect(await runCli(["validate", "--nodes", nodes, old], io)).toBe(0);
    expect(err.join("\n")).toContain(`warn  ${old}: plant/s /nodes/0/typeVersion: written for scale version 1, migrated to version 2 on load`);
    err.length = 0;
    expect(await runCli(["validate", "--nodes", nodes, future], io)).toBe(1);
    expect(err.join("\n")).toContain(`future/s /nodes/0/typeVersion: written for scale version 3, but the installed scale`);
  });
});
