import { afterAll, describe, expect, it } from "vitest";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "./main.js";

const flows = fileURLToPath(new URL("../../../../flows", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "wattflow-flow-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("wattflow test", () => {
  it("passes the shipped flows' declarative tests", async () => {
    const res = await cli(["test", flows]);
    expect(res.out).toContain("demo.test.json (flow demo)");
    expect(res.out).toContain("solar.test.json (flow solar)");
    expect(res.out).toContain("system.test.json (flow system)");
    expect(res.out).not.toContain("FAIL");
    expect(res.code).toBe(0);
  });

  it("fails a broken expectation with exit 1, naming the node, the message and the difference", async () => {
    copyFileSync(join(flows, "demo.json"), join(root, "demo.json"));
    writeFileSync(
      join(root, "demo.test.json"),
      JSON.stringify({
        env: { SITE: "home" },
        tests: [
          { name: "right", inject: [{ node: "stamp", message: { payload: 1 } }], expect: [{ node: "show", minCount: 1, contains: { site: "home" } }] },
          { name: "wrong site", inject: [{ node: "stamp", message: { topic: "t", payload: 7 } }], expect: [{ node: "show", minCount: 2, contains: { site: "lab" } }] },
          { name: "wrong count", expect: [{ node: "show", count: 5, timeout: 300 }] },
          { name: "wrong answer", http: [{ request: { path: "/nowhere" }, status: 200 }] },
        ],
      }),
    );
    const res = await cli(["test", root]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("  ok    right");
    expect(res.out).toContain("  FAIL  wrong site");
    expect(res.out).toMatch(/node "show", message 1 of \d+: at \/site: expected "lab", got "home"; the message: \{/);
    expect(res.out).toMatch(/node "show": expected 5 message\(s\), got 1/);
    expect(res.out).toContain('GET /nowhere: status 404, expected 200; the body: {"error":"not found"}');
    expect(res.out).toContain("4 test(s): 1 passed, 3 failed");
    expect(res.err).toContain("3 flow test(s) failed");
  });

  it("gives each test a scratch folder of its own (WATTFLOW_TEST_DIR, also inside env values), removed afterwards", async () => {
    const dir = mkdtempSync(join(root, "scratch-"));
    copyFileSync(join(flows, "demo.json"), join(dir, "demo.json"));
    const test = (name: string) => ({ name, inject: [{ node: "stamp", message: { payload: 1 } }], expect: [{ node: "show", minCount: 1, contains: { site: "shown below" } }] });
    writeFileSync(join(dir, "demo.test.json"), JSON.stringify({ env: { SITE: "${WATTFLOW_TEST_DIR}/site" }, tests: [test("first"), test("second")] }));
    // The expectation fails on purpose: the failure prints the site each test saw.
    const res = await cli(["test", dir]);
    const seen = [...res.out.matchAll(/at \/site: expected "shown below", got "([^"]+)"/g)].map((m) => m[1]!);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/wattflow-flow-test-[^/]+\/site$/);
    expect(seen[0]).not.toBe(seen[1]);
    for (const site of seen) expect(existsSync(dirname(site))).toBe(false);
  });

  it("refuses a test file naming a node the flow does not have, or of the wrong shape", async () => {
    const dir = mkdtempSync(join(root, "bad-"));
    copyFileSync(join(flows, "demo.json"), join(dir, "demo.json"));
    writeFileSync(join(dir, "demo.test.json"), JSON.stringify({ tests: [{ name: "typo", expect: [{ node: "shwo" }] }] }));
    writeFileSync(join(dir, "other.test.json"), JSON.stringify({ flow: "demo.json", tests: [{ name: "x", expect: [{ nodes: "show" }] }] }));
    const res = await cli(["test", dir]);
    expect(res.code).toBe(1);
    expect(res.out).toContain('FAIL  /tests/0/expect/0/node: no node "shwo" in flow demo');
    expect(res.out).toMatch(/other\.test\.json[^\n]*\n {2}FAIL {2}not a flow test file: \/tests\/0\/expect\/0/);
    expect((await cli(["test", join(dir, "missing")])).err).toContain("no such file or folder");
  });
});
