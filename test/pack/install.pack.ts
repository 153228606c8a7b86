/**
 * What publishing needs: `npm pack` of packages/runtime and packages/nodes
 * gives tarballs that install into an empty folder (nothing from the
 * repository's layout) and run `npx wattflow start` there with the shipped
 * node library. Measured on 2 cores: 75 to 115 s, most of it building the
 * SQLite binding during `npm install`; hence `npm run test:pack`, apart from
 * `npm test`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRuntime, repoRoot, run, startRuntimeProcess, stopAll } from "../plugins/processes.js";

const root = mkdtempSync(join(tmpdir(), "wattflow-pack-"));
afterAll(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});
beforeAll(buildRuntime, 180_000);

describe("the packed packages", () => {
  it("install into an empty folder and start with the shipped nodes", async () => {
    const tarballs = join(root, "tarballs");
    mkdirSync(tarballs);
    const packed = await run("npm", ["pack", join(repoRoot, "packages/runtime"), join(repoRoot, "packages/nodes"), "--pack-destination", tarballs], root);
    expect(packed.code, packed.stderr).toBe(0);
    const files = readdirSync(tarballs).sort();
    expect(files).toEqual(["wattflow-nodes-0.1.0.tgz", "wattflow-runtime-0.1.0.tgz"]);

    const app = join(root, "app");
    mkdirSync(join(app, "flows"), { recursive: true });
    // The native bindings' install scripts are allowed, as the repository allows them.
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "app", private: true, type: "module", allowScripts: { "better-sqlite3": true, "@serialport/bindings-cpp": true } }),
    );
    const install = await run("npm", ["install", ...files.map((f) => join(tarballs, f)), "--prefer-offline", "--no-audit", "--no-fund"], app, 540_000);
    expect(install.code, `${install.stdout}\n${install.stderr}`).toBe(0);
    console.log(`npm install of the tarballs: ${Math.round(install.ms / 1000)} s`);

    copyFileSync(join(repoRoot, "flows/demo.json"), join(app, "flows/demo.json"));
    const rt = await startRuntimeProcess(["npx", "wattflow", "start", "--flows", "flows", "--data", ".wattflow"], app);
    try {
      const catalog = (await (await fetch(`${rt.admin}/api/nodes`)).json()) as { nodes: { type: string; module: string; docs: string }[]; failedPlugins: unknown[] };
      expect(catalog.failedPlugins).toEqual([]);
      const inject = catalog.nodes.find((n) => n.type === "inject");
      expect(inject).toMatchObject({ module: "@wattflow/nodes" });
      // Node docs come from the READMEs packed beside dist/.
      expect(inject!.docs).toMatch(/^# inject/);
      expect(catalog.nodes.map((n) => n.type)).toEqual(expect.arrayContaining(["mqtt-in", "store-write", "http-in", "modbus-read"]));
      const flows = (await (await fetch(`${rt.admin}/api/flows`)).json()) as { id: string; state: string; errors: unknown[] }[];
      expect(flows).toEqual([expect.objectContaining({ id: "demo", state: "running", errors: [] })]);
    } finally {
      await rt.stop();
    }
  });
});
