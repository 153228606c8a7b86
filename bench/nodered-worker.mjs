// Runs one scenario on an embedded Node-RED 4 with its own `change` nodes and reports the time.
import http from "node:http";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import RED from "node-red";
import { scenario } from "./scenarios.mjs";

const name = process.argv[2];
const { nodes, expected } = scenario(name);
const userDir = mkdtempSync(join(tmpdir(), "wattflow-bench-nr-"));
const here = dirname(fileURLToPath(import.meta.url));

const flow = [
  { id: "tab", type: "tab", label: "bench" },
  ...nodes.map((n) => {
    const base = { id: n.id, z: "tab", x: 100, y: 100, wires: n.wires.length ? [n.wires] : [] };
    if (n.kind === "source") return { ...base, type: "bench-source" };
    if (n.kind === "sink") return { ...base, type: "bench-sink", expected };
    return { ...base, type: "change", rules: [{ t: "set", p: n.prop, pt: "msg", to: "1", tot: "num" }], action: "", property: "", from: "", to: "", reg: false };
  }),
];
const flowFile = join(userDir, "flows.json");
writeFileSync(flowFile, JSON.stringify(flow));

globalThis.__benchReport = (report) => {
  process.send?.({ system: "nodered", scenario: name, ...report });
  setTimeout(() => {
    rmSync(userDir, { recursive: true, force: true });
    process.exit(0);
  }, 10);
};

const server = http.createServer();
RED.init(server, {
  userDir,
  flowFile,
  httpAdminRoot: false,
  httpNodeRoot: false,
  nodesDir: [join(here, "nodered-nodes")],
  logging: { console: { level: "off", metrics: false, audit: false } },
  editorTheme: { tours: false },
  externalModules: { autoInstall: false },
});
await RED.start();
setTimeout(() => {
  process.send?.({ system: "nodered", scenario: name, error: "timed out" });
  process.exit(1);
}, 120_000).unref();
