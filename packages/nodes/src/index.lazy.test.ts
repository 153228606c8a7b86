/**
 * The node catalog is light: a runtime knows every type from its definition, and a type's
 * libraries (MQTT client and broker, HTML and XML parsers, JSONata, Modbus, JWT…) load only
 * when a flow first uses the type. Checked on the real CLI, with a hook recording every module
 * the process loads.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRuntime, killNow, repoRoot, spawnRuntime, wattflowBin, type SpawnedRuntime } from "../../../test/services/runtime-process.js";
import { connections, nodes } from "./index.js";

/** Packages no part of the demo flow needs; each belongs to node types it does not use. */
const HEAVY = ["mqtt", "aedes", "cheerio", "fast-xml-parser", "jsonata", "modbus-serial", "jose", "yaml", "csv-parse", "csv-stringify"];

const demo = {
  format: "wattflow/flow@1",
  id: "demo",
  nodes: [
    { id: "beat", type: "inject", config: { interval: "1h" }, wires: [["stamp"]] },
    { id: "stamp", type: "change", config: { rules: [{ action: "set", path: "site", value: "home" }] }, wires: [["show"]] },
    { id: "show", type: "debug", config: {} },
  ],
};

const parsers = {
  format: "wattflow/flow@1",
  id: "parsers",
  nodes: [
    { id: "page", type: "inject", config: { payload: "<p>1</p>" }, wires: [["pick"]] },
    { id: "pick", type: "html", config: { selector: "p" }, wires: [["show"]] },
    { id: "xml", type: "xml", config: {}, wires: [["show"]] },
    { id: "sum", type: "change", config: { rules: [{ action: "set", path: "payload", valueType: "jsonata", value: "$count(payload)" }] }, wires: [["show"]] },
    { id: "show", type: "debug", config: {} },
  ],
};

/** Bare package names in the loaded modules: `…/node_modules/@scope/name/…` or a `require("name")`. */
function packagesIn(log: string): Set<string> {
  const out = new Set<string>();
  for (const line of log.split("\n")) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line) ?? /^require:((?:@[^/]+\/)?[^/.][^/]*)/.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

describe("node catalog loads implementations on first use", () => {
  let dir: string;
  let runtime: SpawnedRuntime | undefined;
  const loadedLog = (): Promise<string> => readFile(join(dir, "loaded.log"), "utf8").catch(() => "");

  beforeAll(async () => {
    await buildRuntime();
    dir = await mkdtemp(join(tmpdir(), "wattflow-lazy-"));
    const log = join(dir, "loaded.log");
    // ESM modules through a loader hook, CommonJS ones (required with createRequire) through Module._load.
    await writeFile(join(dir, "hooks.mjs"), `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); }\n`);
    await writeFile(
      join(dir, "record.mjs"),
      `import { register } from "node:module";\nimport Module from "node:module";\nimport { appendFileSync } from "node:fs";\n` +
        `register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n` +
        `const load = Module._load;\nModule._load = function (request, ...rest) { appendFileSync(${JSON.stringify(log)}, "require:" + request + "\\n"); return load.call(this, request, ...rest); };\n` +
        // Node READMEs read from disk, through node:fs's readFileSync (the bundle imports it by name: synced below).
        `import fs from "node:fs";\nconst read = fs.readFileSync;\nfs.readFileSync = function (path, ...rest) { if (String(path).endsWith("README.md")) appendFileSync(${JSON.stringify(log)}, "readme:" + path + "\\n"); return read.call(this, path, ...rest); };\nModule.syncBuiltinESMExports();\n`,
    );
    await writeFile(join(dir, "demo.json"), JSON.stringify(demo));
    runtime = await spawnRuntime([process.execPath, wattflowBin, "start", "--data", join(dir, "data"), "--flows", dir, "--log-level", "warn"], {
      cwd: repoRoot,
      env: { ...(process.env as Record<string, string>), NODE_ENV: "production", NODE_OPTIONS: `--import ${pathToFileURL(join(dir, "record.mjs")).href}` },
    });
  }, 240_000);

  afterAll(async () => {
    if (runtime) await killNow(runtime.child);
    await rm(dir, { recursive: true, force: true });
  });

  it("reads no node's README until the catalog is asked for, and then gives each type its docs", async () => {
    const readmes = async (): Promise<number> => (await loadedLog()).split("\n").filter((line) => line.startsWith("readme:")).length;
    expect(await readmes()).toBe(0);
    const catalog = (await (await fetch(`${runtime!.admin}/api/nodes`)).json()) as { nodes: { type: string; docs: string }[] };
    expect(catalog.nodes.find((n) => n.type === "inject")?.docs).toMatch(/^# inject/);
    expect(catalog.nodes.find((n) => n.type === "change")?.docs).toMatch(/^# change/);
    // The hook does see README reads: the catalog's answer above was read from disk just now.
    expect(await readmes()).toBeGreaterThan(0);
  });

  it("lists every node and connection type, while the demo flow loads none of the other types' libraries", async () => {
    const catalog = (await (await fetch(`${runtime!.admin}/api/nodes`)).json()) as { nodes: { type: string }[]; connections: { type: string }[] };
    expect(catalog.nodes.map((n) => n.type).sort()).toEqual(expect.arrayContaining(nodes.map((n) => n.type).sort()));
    expect(catalog.connections.map((c) => c.type)).toEqual(expect.arrayContaining(connections.map((c) => c.type)));
    const flows = (await (await fetch(`${runtime!.admin}/api/flows`)).json()) as { id: string; state: string }[];
    expect(flows).toEqual([expect.objectContaining({ id: "demo", state: "running" })]);

    const loaded = packagesIn(await loadedLog());
    // The hook saw the runtime's own libraries, so an empty list below is not a hook that saw nothing.
    expect(loaded).toContain("better-sqlite3");
    expect(HEAVY.filter((p) => loaded.has(p))).toEqual([]);
  });

  it("loads a type's library when a flow that uses it is deployed", async () => {
    const res = await fetch(`${runtime!.admin}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ flow: parsers }) });
    expect(res.status, await res.clone().text()).toBe(201);
    const loaded = packagesIn(await loadedLog());
    expect(loaded).toContain("cheerio");
    expect(loaded).toContain("fast-xml-parser");
    // Required through createRequire (CommonJS), which the hook sees too.
    expect(loaded).toContain("jsonata");
    expect(["mqtt", "aedes", "modbus-serial", "jose"].filter((p) => loaded.has(p))).toEqual([]);
  });

  it("refuses an unknown type, naming the flow, the node and the type", async () => {
    const file = join(dir, "broken", "site.json");
    await rm(join(dir, "broken"), { recursive: true, force: true });
    await mkdir(join(dir, "broken"));
    await writeFile(file, JSON.stringify({ format: "wattflow/flow@1", id: "site", nodes: [{ id: "meter", type: "no-such-meter", config: {} }] }));
    const result = await promisify(execFile)(process.execPath, [wattflowBin, "validate", file], { cwd: repoRoot }).then(
      () => ({ code: 0, output: "" }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` }),
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('site/meter /nodes/0/type: unknown node type "no-such-meter"');
  });
});
