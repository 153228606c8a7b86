import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { runCli } from "./main.js";
import { startRuntime } from "../start.js";
import { startTestFlow } from "../testing/index.js";
import type { AnyNodeDefinition } from "../registry/define.js";

const root = mkdtempSync(join(tmpdir(), "wattflow-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const flow = (id: string, nodes: unknown[]) => JSON.stringify({ format: "wattflow/flow@1", id, nodes });

describe("wattflow validate", () => {
  it("passes a good file and prints every problem of a bad one, exit 1", async () => {
    const good = join(root, "good.json");
    const bad = join(root, "bad.json");
    writeFileSync(good, flow("good", [{ id: "i", type: "inject", config: { interval: "5s" }, wires: [["d"]] }, { id: "d", type: "debug" }]));
    writeFileSync(bad, flow("bad", [{ id: "i", type: "inject", config: { interval: "5 sec" }, wires: [["nowhere"]] }, { id: "x", type: "unknown-type" }]));
    const ok = await cli(["validate", good]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("ok    ");
    const res = await cli(["validate", good, bad]);
    expect(res.code).toBe(1);
    expect(res.err).toContain("bad/i /nodes/0/config/interval: must match");
    expect(res.err).toContain('bad/i /nodes/0/wires/0/0: points at node "nowhere"');
    expect(res.err).toContain('bad/x /nodes/1/type: unknown node type "unknown-type"');
    expect(res.err).toContain("1 of 2 file(s) invalid");
  });
});

describe("wattflow import node-red", () => {
  it("writes one flow file per tab and reports what it could not convert", async () => {
    const file = join(root, "nodered.json");
    writeFileSync(file, JSON.stringify([
      { id: "t1", type: "tab", label: "Main" },
      { id: "i1", type: "inject", z: "t1", repeat: "5", wires: [["d1", "g1"]] },
      { id: "d1", type: "debug", z: "t1", wires: [] },
      { id: "g1", type: "ui_chart", z: "t1", name: "chart", wires: [] },
    ]));
    const out = join(root, "imported");
    const res = await cli(["import", "node-red", file, "--out", out]);
    expect(res.code).toBe(0);
    expect(res.out).toContain("2 nodes converted into 1 flow(s), 1 not converted");
    expect(res.err).toContain('g1: ui_chart "chart" has no Wattflow counterpart and was not imported');
    expect((await cli(["validate", join(out, "main.json")])).code).toBe(0);
  });

  it("imports every tab of a multi-tab export, with its broker as a connection, and refuses to overwrite any of them", async () => {
    const file = join(import.meta.dirname, "../flow/node-red/__fixtures__/multi-tab.json");
    const out = join(root, "multi");
    const res = await cli(["import", "node-red", file, "--out", out]);
    expect(res.code).toBe(0);
    expect(res.out).toContain("into 3 flow(s)");
    expect(res.out).not.toContain("problem(s)");
    const files = ["collect", "report", "collect-2"].map((id) => join(out, `${id}.json`));
    expect((await cli(["validate", ...files])).code).toBe(0);
    expect(JSON.parse(readFileSync(files[2]!, "utf8"))).toMatchObject({ connections: [{ id: "mb1", type: "mqtt-broker" }] });
    rmSync(files[0]!);
    const again = await cli(["import", "node-red", file, "--out", out]);
    expect(again.code).not.toBe(0);
    expect(again.err).toContain("report.json exists");
    expect(existsSync(files[0]!)).toBe(false);
  });
});

describe("wattflow new-node", () => {
  it("scaffolds a plugin whose node works in a flow", async () => {
    const res = await cli(["new-node", "power-scale", "--dir", root]);
    expect(res.code).toBe(0);
    const dir = join(root, "wattflow-node-power-scale");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { wattflow: { nodes: string }; name: string };
    expect(pkg).toMatchObject({ name: "wattflow-node-power-scale", wattflow: { nodes: "./dist/index.js" } });
    expect(existsSync(join(dir, "src", "power-scale.test.ts"))).toBe(true);
    // Prove the template's node against the real engine (a copy under this package so imports resolve).
    const copy = join(import.meta.dirname, "__scaffold_check__");
    mkdirSync(copy, { recursive: true });
    try {
      writeFileSync(join(copy, "index.ts"), readFileSync(join(dir, "src", "index.ts"), "utf8").replace('from "@wattflow/runtime"', 'from "../../index.js"'));
      const mod = (await import(join(copy, "index.ts"))) as { powerScaleNode: AnyNodeDefinition };
      const t = await startTestFlow(
        { nodes: [{ id: "n", type: "power-scale", config: { factor: 3 }, wires: [["out"]] }, { id: "out", type: "test-collect" }] },
        { nodes: [mod.powerScaleNode] },
      );
      t.inject("n", { payload: 7 });
      expect((await t.waitFor("out", 1))[0]!.payload).toBe(21);
      await t.stop();
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    expect((await cli(["new-node", "power-scale", "--dir", root])).err).toContain("already exists");
    expect((await cli(["new-node", "Bad_Name", "--dir", root])).err).toContain("kebab-case");
  });
});

describe("remote commands", () => {
  it("deploy, revisions, diff, rollback and trigger against a running runtime", async () => {
    const flows = join(root, "flows");
    mkdirSync(flows);
    const rt = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "data"), flowsDir: flows, logger: pino({ level: "silent" }) });
    try {
      const server = ["--server", rt.adminUrl];
      const file = join(root, "remote.json");
      writeFileSync(file, flow("remote", [{ id: "i", type: "inject", wires: [["d"]] }, { id: "d", type: "debug" }]));
      const first = await cli(["deploy", file, ...server, "-m", "first"]);
      expect(first.out).toContain("remote: deployed revision 1 — added i, d");
      writeFileSync(file, flow("remote", [{ id: "i", type: "inject", wires: [["d"]] }, { id: "d", type: "debug", config: { toLog: true } }]));
      expect((await cli(["deploy", file, ...server])).out).toContain("deployed revision 2 — changed d");
      expect((await cli(["deploy", file, ...server])).out).toContain("unchanged (revision 2)");
      expect((await cli(["revisions", "remote", ...server])).out).toMatch(/\s+2 .*\n\s+1 .* first/);
      expect((await cli(["diff", "remote", "1", "2", ...server])).out).toBe("remote 1 → 2: changed d");
      expect((await cli(["rollback", "remote", "1", ...server])).out).toContain("now revision 3");
      expect((await cli(["trigger", "remote", "i", ...server])).out).toBe("remote/i: triggered");
      writeFileSync(file, flow("remote", [{ id: "i", type: "inject", config: { interval: "x" } }]));
      const refused = await cli(["deploy", file, ...server]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain("remote/i /nodes/0/config/interval");
    } finally {
      await rt.stop();
    }
  });

  it("says clearly when the server is unreachable", async () => {
    const res = await cli(["revisions", "x", "--server", "http://127.0.0.1:9"]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/cannot reach http:\/\/127.0.0.1:9/);
  });
});
