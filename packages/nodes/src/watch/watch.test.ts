import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtemp, mkdir, rm, symlink, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestFlow, type TestFlow, until } from "@wattflow/runtime/testing";
import watch from "./index.js";

let t: TestFlow | undefined;
let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "wattflow-watch-"));
  root = join(base, "root");
  await mkdir(join(root, "meters"), { recursive: true });
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await rm(base, { recursive: true, force: true });
});

const start = async (config: Record<string, unknown>) => {
  t = await startTestFlow(
    { nodes: [{ id: "w", type: "watch", name: "meters", config, wires: [["out"]] }, { id: "out", type: "test-collect" }] },
    { nodes: [watch], env: { WATTFLOW_FILE_ROOT: root } },
  );
  return t;
};

describe("watch", () => {
  it("reports added, changed and removed files relative to the root, one message per burst", async () => {
    const w = await start({ paths: ["meters"], debounceMs: 150 });
    await writeFile(join(root, "meters", "a.csv"), "1\n");
    for (let i = 0; i < 5; i++) await appendFile(join(root, "meters", "a.csv"), `${i}\n`);
    const [first] = await w.waitFor("out", 1);
    expect(first).toMatchObject({ payload: "meters/a.csv", topic: "meters/a.csv", type: "file" });
    expect(["add", "change"]).toContain(first!.event);
    // Writes within the debounce time collapse into one message: the removal that follows is the next message
    // (a write reported on its own would come before it).
    await rm(join(root, "meters", "a.csv"));
    await until(() => w.received("out").some((m) => m.event === "unlink"), 5_000, "the removal to be reported");
    expect(w.received("out").map((m) => m.event)).toEqual([first!.event, "unlink"]);
    expect(w.received("out")[1]).toMatchObject({ payload: "meters/a.csv", event: "unlink" });
  });

  it("refuses to watch outside the root", async () => {
    await symlink(base, join(root, "up"));
    const errors = async (paths: string[]) => {
      const w = await start({ paths });
      const found = w.events.flatMap((e) => (e.type === "error" && e.nodeId === "w" ? [e.message] : []));
      await t?.stop();
      t = undefined;
      return found.join("\n");
    };
    expect(await errors(["../"])).toMatch(/watch "meters": .*contains "\.\."/);
    expect(await errors(["up"])).toMatch(/watch "meters": .*outside the root folder/);
  });
});
