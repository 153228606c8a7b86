/**
 * The shipped flows stay flows: custom code and pages live in files next to
 * them, nothing is copied, and every node has its own place on the canvas.
 * The figures come from scripts/flow-stats.mjs (`npm run flow-stats`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { flowStats, shippedFlowFiles } from "../scripts/flow-stats.mjs";
import { layout } from "../scripts/layout-flows.mjs";

const flowsDir = fileURLToPath(new URL(".", import.meta.url));
const stats = flowStats(flowsDir);

describe("shipped flow budgets", () => {
  it("hold no JavaScript or HTML beyond a function's file or a one-line expression", () => {
    expect(stats.flows.flatMap((f) => f.inlineCode.map((p) => `${f.flow} ${p.node}${p.pointer}: ${p.why}`))).toEqual([]);
  });

  it("have no two function bodies alike", () => {
    expect(stats.alikeBodies).toEqual([]);
  });

  it("place every node, none overlapping another, wires running left to right", () => {
    expect(stats.flows.flatMap((f) => f.withoutPosition.map((id) => `${f.flow} ${id}`))).toEqual([]);
    expect(stats.flows.flatMap((f) => f.overlapping.map(([a, b]) => `${f.flow} ${a} / ${b}`))).toEqual([]);
    expect(stats.flows.flatMap((f) => f.backwardWires.map(([a, b]) => `${f.flow} ${a} -> ${b}`))).toEqual([]);
  });

  it("use every file in a flow's folder (no stale copies of code or pages)", () => {
    const named = new Set<string>();
    const onDisk: string[] = [];
    for (const file of shippedFlowFiles(flowsDir)) {
      const doc = JSON.parse(readFileSync(file, "utf8")) as { nodes: { config?: { file?: unknown; schemaFile?: unknown } }[] };
      for (const n of doc.nodes) for (const ref of [n.config?.file, n.config?.schemaFile]) if (typeof ref === "string") named.add(ref);
      const folder = file.replace(/\.json$/, "");
      if (existsSync(folder)) onDisk.push(...readdirSync(folder).map((name) => relative(flowsDir, join(folder, name))));
    }
    expect(onDisk.filter((f) => !named.has(f))).toEqual([]);
  });
});

describe("flow-stats and layout on a flow that breaks every rule", () => {
  const root = mkdtempSync(join(tmpdir(), "wattflow-budgets-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "bad"));
  writeFileSync(join(root, "bad", "a.js"), "const x = msg.payload * 2;\nreturn { ...msg, payload: x };\n");
  writeFileSync(join(root, "bad", "b.js"), "const x = msg.payload * 2;\n  return { ...msg, payload: x };\n");
  const doc = {
    id: "bad",
    nodes: [
      { id: "in", type: "inject", wires: [["a", "page"]], position: { x: 300, y: 0 } },
      { id: "a", type: "function", config: { file: "bad/a.js" }, wires: [["b"]], position: { x: 0, y: 0 } },
      { id: "b", type: "function", config: { file: "bad/b.js" }, wires: [["c"]], position: { x: 100, y: 20 } },
      { id: "c", type: "function", config: { code: "const y = 1;\nreturn msg;" } },
      {
        id: "page",
        type: "change",
        config: {
          rules: [
            { action: "set", path: "payload", value: "<!doctype html><p>hi</p>" },
            { action: "set", path: "sum", valueType: "jsonata", value: `$sum([${"1, ".repeat(60)}1])` },
            { action: "set", path: "shape", valueType: "fields", value: { short: "payload.a", long: `payload.a & '${"x".repeat(160)}'` } },
          ],
        },
      },
    ],
  };
  writeFileSync(join(root, "bad.json"), JSON.stringify(doc));

  it("finds inline code and pages, copied bodies and lines, missing positions, overlaps and backward wires", () => {
    const s = flowStats(root);
    const [bad] = s.flows;
    expect(bad).toMatchObject({ flow: "bad.json", nodes: 5, functionNodes: 3, codeLines: 6, longestFunction: 2, duplicatedLines: 4 });
    expect(bad!.inlineCode.map((p) => `${p.node}${p.pointer}`)).toEqual(["c/code", "page/rules/0/value", "page/rules/1/value", "page/rules/2/value/long"]);
    expect(s.alikeBodies).toEqual([["bad.json#a", "bad.json#b"]]);
    expect(bad!.withoutPosition).toEqual(["c", "page"]);
    expect(bad!.overlapping).toEqual([["a", "b"]]);
    expect(bad!.backwardWires).toEqual([["in", "a"]]);
  });

  it("lays it out so that every node has a place, none overlap and wires run left to right", () => {
    const positions = layout(doc);
    writeFileSync(join(root, "bad.json"), JSON.stringify({ ...doc, nodes: doc.nodes.map((n) => ({ ...n, position: positions[n.id] })) }));
    const [laid] = flowStats(root).flows;
    expect(laid).toMatchObject({ withoutPosition: [], overlapping: [], backwardWires: [] });
  });
});
