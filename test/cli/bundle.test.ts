/**
 * The bundled CLI that `npm start` runs (packages/runtime/bundle/, built by
 * scripts/bundle.mjs from dist/): it must run every shipped flow like the CLI
 * from dist/ does, with what bundling could break checked on the real thing:
 * files found beside modules (node docs), the function node's worker thread,
 * an isolated flow's worker (its own bundled program), and a plugin found on
 * disk loading beside the built-in node library.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePlugin } from "../fakes/plugin.js";
import { freePort } from "../services/ports.js";
import { buildRuntime, killNow, repoRoot, spawnRuntime, type SpawnedRuntime } from "../services/runtime-process.js";
import { cleanEnv } from "../plugins/processes.js";

const bundledBin = join(repoRoot, "packages/runtime/bundle/wattflow.mjs");
const shipped = readdirSync(join(repoRoot, "flows"))
  .filter((f) => f.endsWith(".json") && !f.endsWith(".test.json"))
  .map((f) => f.slice(0, -".json".length))
  .sort();

let dir: string;
let runtime: SpawnedRuntime | undefined;

beforeAll(async () => {
  await buildRuntime();
  await promisify(execFile)(process.execPath, [join(repoRoot, "scripts/bundle.mjs")], { cwd: repoRoot, timeout: 120_000 });
  dir = mkdtempSync(join(tmpdir(), "wattflow-bundle-"));
  // A copy: the flow deployed below is written into the flows folder.
  cpSync(join(repoRoot, "flows"), join(dir, "flows"), { recursive: true, filter: (path) => !/\.test\.[a-z]+$/.test(path) });
  writePlugin(
    join(dir, "plugins"),
    "shout",
    `export default { nodes: [{ type: "test-shout", category: "test", summary: "upper-cases the payload",
       config: { type: "object", properties: {} }, inputs: 1, outputs: ["out"],
       create() { return { input(msg, send, done) { send({ ...msg, payload: String(msg.payload).toUpperCase() }); done(); } }; } }] };`,
  );
  // The shipped flows' own listeners get ports of their own, so nothing else on this machine can fail them.
  const ports = { MQTT_PORT: await freePort(), MQTT_WS_PORT: await freePort(), GREENPOWER_TCP_PORT: await freePort() };
  runtime = await spawnRuntime(
    [process.execPath, bundledBin, "start", "--flows", join(dir, "flows"), "--data", join(dir, "data"), "--nodes", join(dir, "plugins"), "--log-level", "warn"],
    { cwd: repoRoot, env: cleanEnv(Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)]))) },
  );
}, 240_000);

afterAll(async () => {
  if (runtime) await killNow(runtime.child);
  rmSync(dir, { recursive: true, force: true });
});

describe("the bundled CLI (npm start)", () => {
  it("runs every shipped flow and serves their endpoints", async () => {
    const flows = (await (await fetch(`${runtime!.admin}/api/flows`)).json()) as { id: string; state: string }[];
    expect(flows.map((f) => f.id).sort()).toEqual(shipped);
    expect(flows.filter((f) => f.state !== "running")).toEqual([]);
    const health = await fetch(`${runtime!.http}/api/health`);
    expect(health.status, await health.clone().text()).toBe(200);
  });

  it("knows the built-in nodes with their docs and the plugin found on disk, and runs a function node's worker", async () => {
    const catalog = (await (await fetch(`${runtime!.admin}/api/nodes`)).json()) as { nodes: { type: string; docs: string; module: string }[]; failedPlugins: unknown[] };
    expect(catalog.failedPlugins).toEqual([]);
    expect(catalog.nodes.find((n) => n.type === "inject")?.docs).toMatch(/^# inject/);
    expect(catalog.nodes.find((n) => n.type === "test-shout")?.module).toBe("wattflow-node-shout");

    const flow = {
      format: "wattflow/flow@1",
      id: "bundle-check",
      nodes: [
        { id: "in", type: "http-in", config: { method: "GET", path: "/bundle-check" }, wires: [["fn"]] },
        { id: "fn", type: "function", config: { code: "return { ...msg, payload: `answer ${6 * 7}` };", isolation: "worker" }, wires: [["shout"]] },
        { id: "shout", type: "test-shout", config: {}, wires: [["out"]] },
        { id: "out", type: "http-response", config: {} },
      ],
    };
    const deployed = await fetch(`${runtime!.admin}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ flow }) });
    expect(deployed.status, await deployed.clone().text()).toBe(201);
    const answer = await fetch(`${runtime!.http}/bundle-check`);
    expect(await answer.text()).toBe("ANSWER 42");
  });

  it("runs an isolated flow in its worker thread, whose program is bundled too", async () => {
    expect(existsSync(join(repoRoot, "packages/runtime/bundle/flow-worker.mjs"))).toBe(true);
    const flow = {
      format: "wattflow/flow@1",
      id: "bundle-isolated",
      isolate: true,
      nodes: [
        { id: "in", type: "http-in", config: { method: "GET", path: "/bundle-isolated" }, wires: [["fn"]] },
        { id: "fn", type: "function", config: { code: "return { ...msg, payload: `isolated ${6 * 7}` };" }, wires: [["out"]] },
        { id: "out", type: "http-response", config: {} },
      ],
    };
    const deployed = await fetch(`${runtime!.admin}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ flow }) });
    expect(deployed.status, await deployed.clone().text()).toBe(201);
    const answer = await fetch(`${runtime!.http}/bundle-isolated`);
    expect(await answer.text()).toBe("isolated 42");
  });
});
