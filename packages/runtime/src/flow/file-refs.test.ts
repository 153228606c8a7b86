import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { afterAll, describe, expect, it } from "vitest";
import { FILE_KEYWORD, defineNode } from "../registry/define.js";
import { Registry } from "../registry/registry.js";
import { compileFlow } from "./compile.js";
import { loadFlowFile } from "./load.js";

const registry = new Registry();
registry.registerNode(
  defineNode({
    type: "page",
    category: "test",
    summary: "names a file",
    config: Type.Object({ file: Type.String({ [FILE_KEYWORD]: true }) }),
    inputs: 0,
    outputs: [],
    create: () => ({}),
  }),
);

const dir = mkdtempSync(join(tmpdir(), "wattflow-file-refs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "site"));
const flow = (file: string) => ({ format: "wattflow/flow@1", id: "site", nodes: [{ id: "p", type: "page", config: { file } }] });

describe("file references in node configs", () => {
  it("resolve against the flow file's folder, and a changed file changes the node's hash only", async () => {
    writeFileSync(join(dir, "site.json"), JSON.stringify(flow("site/index.html")));
    writeFileSync(join(dir, "site", "index.html"), "<p>one</p>");
    const first = await loadFlowFile(join(dir, "site.json"), { registry, env: {} });
    if (!first.ok) throw new Error(JSON.stringify(first.errors));
    expect(first.flow.nodes[0]!.config.file).toBe(join(dir, "site", "index.html"));
    expect(first.flow.document.nodes[0]!.config).toEqual({ file: "site/index.html" });
    writeFileSync(join(dir, "site", "index.html"), "<p>two</p>");
    const second = compileFlow(flow("site/index.html"), { registry, env: {}, baseDir: dir });
    if (!second.ok) throw new Error(JSON.stringify(second.errors));
    expect(second.flow.hash).toBe(first.flow.hash);
    expect(second.flow.nodes[0]!.hash).not.toBe(first.flow.nodes[0]!.hash);
  });

  it("refuse a missing file, a path out of the folder, and a flow with no folder, naming node and field", () => {
    const errors = (file: string, baseDir?: string) => {
      const r = compileFlow(flow(file), { registry, env: {}, ...(baseDir ? { baseDir } : {}) });
      return r.ok ? [] : r.errors.map((e) => `${e.nodeId} ${e.pointer}: ${e.message}`);
    };
    expect(errors("site/gone.html", dir)).toEqual([expect.stringMatching(/^p \/nodes\/0\/config\/file: cannot read "site\/gone\.html" .*ENOENT$/)]);
    expect(errors("../etc/passwd", dir)).toEqual([expect.stringMatching(/^p \/nodes\/0\/config\/file: "\.\.\/etc\/passwd" must be a path inside the flow's folder/)]);
    expect(errors("site/index.html")).toEqual([expect.stringMatching(/has no folder/)]);
  });
});
