import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, symlink, writeFile, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import catchNode from "../catch/index.js";
import file from "./index.js";
import fileIn from "../file-in/index.js";

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

describe("file", () => {
  it("appends lines, overwrites, deletes; creates folders; values as JSON", async () => {
    const f = await flow("file", { filename: "logs/power.log" });
    await f.injectTracked("f", { payload: "1.5" });
    await f.injectTracked("f", { payload: { kw: 2 } });
    expect(await readFile(join(root, "logs/power.log"), "utf8")).toBe('1.5\n{"kw":2}\n');
    await t!.stop();
    const o = await flow("file", { action: "overwrite", newline: false });
    await o.injectTracked("f", { payload: "a", filename: "x.txt" });
    await o.injectTracked("f", { payload: Buffer.from([0x62]), filename: "x.txt" });
    expect(await readFile(join(root, "x.txt"), "utf8")).toBe("b");
    expect(o.received("out").map((m) => m.filename)).toEqual(["x.txt", "x.txt"]);
    await t!.stop();
    const d = await flow("file", { action: "delete" });
    await d.injectTracked("f", { filename: "x.txt" });
    expect(existsSync(join(root, "x.txt"))).toBe(false);
  });

  it("refuses .., absolute paths and symlinks leaving the root, naming the node", async () => {
    await writeFile(join(base, "secret.txt"), "s");
    await symlink(base, join(root, "escape"));
    await symlink(join(base, "secret.txt"), join(root, "link.txt"));
    const f = await flow("file", {});
    for (const filename of ["../secret.txt", join(base, "secret.txt"), "escape/secret.txt", "link.txt", "escape/new.txt"]) {
      await f.injectTracked("f", { payload: "x", filename });
    }
    await f.waitFor("caught", 5);
    const errors = errorsOf();
    expect(errors).toHaveLength(5);
    expect(errors[0]).toMatch(/^file "writer": .*contains "\.\."/);
    expect(errors[1]).toMatch(/absolute path/);
    expect(errors.slice(2).every((e) => /outside the root folder/.test(e))).toBe(true);
    expect(await readFile(join(base, "secret.txt"), "utf8")).toBe("s");
    expect(existsSync(join(base, "new.txt"))).toBe(false);
    expect(f.received("out")).toHaveLength(0);
  });

  it("follows a symlink that stays inside the root", async () => {
    await mkdir(join(root, "2026"));
    await symlink(join(root, "2026"), join(root, "current"));
    const f = await flow("file", { filename: "current/day.log" });
    await f.injectTracked("f", { payload: "ok" });
    expect(await readFile(join(root, "2026", "day.log"), "utf8")).toBe("ok\n");
  });

  it("defaults the root to the data folder; config root wins", async () => {
    const other = join(base, "other");
    await mkdir(other);
    const f = await flow("file", { root: other, filename: "a.txt" });
    await f.injectTracked("f", { payload: "x" });
    expect(existsSync(join(other, "a.txt"))).toBe(true);
    await t!.stop();
    t = await startTestFlow({ nodes: [{ id: "f", type: "file", config: { filename: "b.txt" } }] }, { nodes: [file], env: { WATTFLOW_DATA: root } });
    await t.injectTracked("f", { payload: "y" });
    expect(await readFile(join(root, "b.txt"), "utf8")).toBe("y\n");
  });
});
