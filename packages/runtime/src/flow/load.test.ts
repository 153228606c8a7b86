import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFlowFile, parseFlowText, writeFlowFileAtomic } from "./index.js";
import { doc, registry } from "./__fixtures__/registry.js";

describe("parseFlowText", () => {
  it("gives a syntax error's line and column", () => {
    const r = parseFlowText('{\n  "id": "x",\n  "nodes": [,]\n}', "bad.json");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: "bad.json", pointer: "" });
    expect(r.errors[0]!.message).toMatch(/^not valid JSON at line 3, column 13/);
  });

  it("places a trailing comma and an unterminated file", () => {
    const comma = parseFlowText('{\n  "a": 1,\n}');
    expect(!comma.ok && comma.errors[0]!.message).toMatch(/^not valid JSON at line 3, column 1/);
    const cut = parseFlowText('{"a": [1, 2');
    expect(!cut.ok && cut.errors[0]!.message).toMatch(/^not valid JSON at line 1, column 12/);
  });

  it("accepts a byte order mark", () => {
    expect(parseFlowText('\uFEFF{"id": "x"}')).toEqual({ ok: true, value: { id: "x" } });
  });
});

describe("flow files", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "wattflow-flow-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes pretty JSON atomically, leaving no temporary file, and loads it back", async () => {
    const path = join(dir, "solar.json");
    const d = doc([{ id: "p", type: "poll" }]);
    await writeFlowFileAtomic(path, d);
    await writeFlowFileAtomic(path, d); // replacing an existing file too
    expect(readdirSync(dir)).toEqual(["solar.json"]);
    expect(readFileSync(path, "utf8")).toBe(`${JSON.stringify(d, null, 2)}\n`);
    const loaded = await loadFlowFile(path, { registry, env: {} });
    expect(loaded.ok && loaded.flow.file).toBe(path);
  });

  it("names the file in every error", async () => {
    const path = join(dir, "bad.json");
    await writeFlowFileAtomic(path, doc([{ id: "p", type: "nope" }, { id: "q", type: "poll", config: { count: 0 } }]));
    const bad = await loadFlowFile(path, { registry, env: {} });
    expect(!bad.ok && bad.errors.map((e) => e.file)).toEqual([path, path]);

    const broken = join(dir, "broken.json");
    writeFileSync(broken, '{ "id": ');
    const parsed = await loadFlowFile(broken, { registry, env: {} });
    expect(!parsed.ok && parsed.errors[0]).toMatchObject({ file: broken, message: expect.stringMatching(/line 1, column 9/) });

    const missing = await loadFlowFile(join(dir, "missing.json"), { registry, env: {} });
    expect(!missing.ok && missing.errors[0]).toMatchObject({ file: join(dir, "missing.json"), message: expect.stringMatching(/^cannot read/) });
  });
});
