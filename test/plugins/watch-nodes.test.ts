/**
 * `wattflow start --watch-nodes`: a rebuilt plugin is picked up without
 * restarting anything by hand (the runtime runs under a supervisor that
 * restarts it when the plugin's built files change).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRuntime, startRuntimeProcess, stopAll, wattflowBin } from "./processes.js";

const root = mkdtempSync(join(tmpdir(), "wattflow-watch-nodes-"));
afterAll(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});
beforeAll(buildRuntime, 180_000);

const plugin = (summary: string): string =>
  `export default { nodes: [{ type: "greet", category: "test", summary: ${JSON.stringify(summary)}, inputs: 1, outputs: ["out"],
    config: { type: "object", properties: {} }, create: () => ({ input: (msg, send, done) => { send(msg); done(); } }) }] };\n`;

async function summaryOf(admin: string): Promise<string | undefined> {
  const catalog = (await (await fetch(`${admin}/api/nodes`)).json()) as { nodes: { type: string; summary: string }[] };
  return catalog.nodes.find((n) => n.type === "greet")?.summary;
}

describe("wattflow start --watch-nodes", () => {
  it("restarts the runtime when a plugin in --nodes changes, and the new definition is served", async () => {
    const nodes = join(root, "nodes");
    const flows = join(root, "flows");
    mkdirSync(nodes);
    mkdirSync(flows);
    writeFileSync(join(nodes, "greet.mjs"), plugin("first"));
    const rt = await startRuntimeProcess([process.execPath, wattflowBin, "start", "--watch-nodes", "--nodes", nodes, "--flows", flows, "--data", join(root, "data")], root);
    try {
      expect(rt.output()).toContain(`watching ${nodes} for plugin changes`);
      expect(await summaryOf(rt.admin)).toBe("first");
      writeFileSync(join(nodes, "greet.mjs"), plugin("second"));
      const deadline = Date.now() + 20_000;
      let admin: string | undefined;
      while (Date.now() < deadline) {
        const urls = [...rt.output().matchAll(/editor and admin API:\s+(\S+)/g)];
        if (urls.length >= 2) {
          admin = urls.at(-1)![1]!.replace(/\/$/, "");
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(rt.output()).toContain("greet.mjs changed: restarting the runtime");
      expect(admin, rt.output().slice(-3000)).toBeDefined();
      expect(await summaryOf(admin!)).toBe("second");
    } finally {
      await rt.stop();
    }
  }, 60_000);
});
