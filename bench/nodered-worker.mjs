// Runs one scenario on an embedded Node-RED 4 with its own `change` nodes and reports the time.
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNodeRed } from "./nodered-start.mjs";
import { RUN_MESSAGES, burstCode, createTally, scenario } from "./scenarios.mjs";

const name = process.argv[2];
const messages = Number(process.argv[3] ?? RUN_MESSAGES.nodered);
const { nodes } = scenario(name, messages);
// Read by the sinks and the source in nodered-nodes/bench.js.
const tally = createTally(name, { messages });
globalThis.__benchTally = tally;
const userDir = mkdtempSync(join(tmpdir(), "wattflow-bench-nr-"));

const flow = [
  { id: "tab", type: "tab", label: "bench" },
  ...nodes.map((n) => {
    const base = { id: n.id, z: "tab", x: 100, y: 100, wires: n.wires.length ? [n.wires] : [] };
    if (n.kind === "source") return { ...base, type: "bench-source", messages: n.messages, stream: n.stream };
    if (n.kind === "function") return { ...base, type: "function", func: burstCode("nodered", n.loop), outputs: 1, noerr: 0, initialize: "", finalize: "", libs: [] };
    if (n.kind === "deadband") return { ...base, type: "rbe", func: "deadband", gap: String(n.band), start: "", inout: "out", septopics: false, property: "payload", topi: "topic" };
    if (n.kind === "sink") return { ...base, type: "bench-sink" };
    return { ...base, type: "change", rules: [{ t: "set", p: n.prop, pt: "msg", to: "1", tot: "num" }], action: "", property: "", from: "", to: "", reg: false };
  }),
];
const flowFile = join(userDir, "flows.json");
writeFileSync(flowFile, JSON.stringify(flow));

tally.onEnd(({ endedAt, ...counts }) => {
  const ms = endedAt - globalThis.__benchStart;
  process.send?.({ system: "nodered", scenario: name, ms, ...counts, dropped: 0, rateOfSource: (messages / ms) * 1000 });
  setTimeout(() => {
    rmSync(userDir, { recursive: true, force: true });
    process.exit(0);
  }, 10);
});

await startNodeRed({
  userDir,
  flowFile,
  timeoutMs: 120_000,
  onTimeout: () => {
    const { unique, expected } = tally.summary();
    process.send?.({ system: "nodered", scenario: name, error: `timed out with ${unique} of ${expected}` });
    rmSync(userDir, { recursive: true, force: true });
  },
});
