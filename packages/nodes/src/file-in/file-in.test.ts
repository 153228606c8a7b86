import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import catchNode from "../catch/index.js";
import file from "../file/index.js";
import fileIn from "./index.js";

let t: TestFlow | undefined;
let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "wattflow-file-"));
  root = join(base, "root");
  await mkdir(root);
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await rm(base, { recursive: true, force: true });
});

async function flow(type: string, config: Record<string, unknown>, env: Record<string, string> = {}) {
  t = await startTestFlow(
    {
      nodes: [
        { id: "f", type, name: "writer", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [file, fileIn, catchNode], env: { WATTFLOW_FILE_ROOT: root, ...env } },
  );
  return t;
}
const errorsOf = () => (t?.events ?? []).flatMap((e) => (e.type === "error" ? [e.message] : []));

describe("file-in", () => {
  it("reads text, bytes and lines (with parts for join)", async () => {
    await writeFile(join(root, "data.csv"), "a,1\nb,2\n");
    const f = await flow("file-in", { filename: "data.csv" });
    await f.injectTracked("f", { topic: "t" });
    expect(f.received("out")[0]).toMatchObject({ payload: "a,1\nb,2\n", topic: "t", filename: "data.csv" });
    await t!.stop();
    const b = await flow("file-in", { format: "buffer" });
    await b.injectTracked("f", { filename: "data.csv" });
    expect(Buffer.isBuffer(b.received("out")[0]!.payload)).toBe(true);
    await t!.stop();
    const l = await flow("file-in", { filename: "data.csv", format: "lines" });
    await l.injectTracked("f", {});
    const lines = l.received("out");
    expect(lines.map((m) => m.payload)).toEqual(["a,1", "b,2"]);
    expect(lines.map((m) => (m.parts as { index: number; count: number }).index)).toEqual([0, 1]);
    expect((lines[0]!.parts as { count: number }).count).toBe(2);
  });

  it("refuses a missing file, an oversize file and a path outside the root", async () => {
    await writeFile(join(root, "big.txt"), "x".repeat(100));
    const f = await flow("file-in", { maxBytes: 10 });
    await f.injectTracked("f", { filename: "nope.txt" });
    await f.injectTracked("f", { filename: "big.txt" });
    await f.injectTracked("f", { filename: "../x" });
    await f.waitFor("caught", 3);
    const errors = errorsOf();
    expect(errors[0]).toMatch(/^file-in "writer": cannot read "nope.txt": .*ENOENT/);
    expect(errors[1]).toMatch(/over the 10-byte limit/);
    expect(errors[2]).toMatch(/contains "\.\."/);
  });
});
