import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { Connection, RAW_KEYWORD, Secret, defineConnection, defineNode } from "../registry/define.js";
import { Registry } from "../registry/registry.js";
import { compileFlow, diffDocuments, diffFlows, formatIssue, hashDocument, loadFlowFile, migrateFlow, parseFlowText, redactSecrets, writeFlowFileAtomic } from "./index.js";
import type { CompiledFlow } from "./compiled.js";
import type { FlowDocument } from "./types.js";

const registry = new Registry();
registry.registerNode(
  defineNode({
    type: "poll",
    category: "test",
    summary: "polls",
    config: Type.Object({
      interval: Type.String({ pattern: "^\\d+(ms|s|m)$", default: "60s" }),
      count: Type.Integer({ minimum: 1, default: 5 }),
      broker: Type.Optional(Connection("mqtt-broker")),
      token: Type.Optional(Secret()),
      mode: Type.Union([Type.Literal("fast"), Type.Literal("slow")], { default: "slow" }),
    }),
    inputs: 0,
    outputs: ["out"],
    create: () => ({}),
  }),
);
registry.registerNode(defineNode({ type: "sink", category: "test", summary: "sinks", config: Type.Object({}), inputs: 1, outputs: [], create: () => ({}) }));
registry.registerConnection(defineConnection({ type: "mqtt-broker", summary: "broker", config: Type.Object({ url: Type.String() }), create: () => ({ value: null }) }));
registry.registerConnection(defineConnection({ type: "influxdb", summary: "influx", config: Type.Object({ url: Type.String() }), create: () => ({ value: null }) }));

const doc = (nodes: unknown[], extra: Record<string, unknown> = {}) => ({ format: "wattflow/flow@1", id: "solar", nodes, ...extra });
const compiled = (d: unknown, env: Record<string, string> = {}): CompiledFlow => {
  const r = compileFlow(d, { registry, env });
  if (!r.ok) throw new Error(r.errors.map(formatIssue).join("\n"));
  return r.flow;
};

describe("compileFlow", () => {
  it("applies schema defaults and coerces env strings to the declared types", () => {
    const flow = compiled(doc([{ id: "p", type: "poll", config: { count: "${N}" } }], { env: { N: "7" } }));
    expect(flow.nodes[0]!.config).toEqual({ interval: "60s", count: 7, mode: "slow" });
    expect(flow.nodes[0]!.queue).toEqual({ size: 10_000, policy: "block" });
  });

  it("reports every problem of a file at once, each with node id and pointer", () => {
    const r = compileFlow(
      doc(
        [
          { id: "p", type: "poll", config: { interval: "soon", count: 0, mode: "turbo", broker: "nope" }, wires: [["ghost"]] },
          { id: "p", type: "sink" },
          { id: "q", type: "mystery" },
          { id: "r", type: "poll", config: { broker: "influx" }, extra: 1 },
        ],
        { connections: [{ id: "influx", type: "influxdb", config: { url: "http://x" } }] },
      ),
      { registry, env: {}, file: "solar.json" },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.errors.map(formatIssue);
    expect(lines).toEqual(
      expect.arrayContaining([
        "solar.json: solar/p /nodes/0/config/interval: must match ^\\d+(ms|s|m)$ (got \"soon\")",
        "solar.json: solar/p /nodes/0/config/count: must be >= 1 (got 0)",
        'solar.json: solar/p /nodes/0/config/mode: must be one of "fast", "slow" (got "turbo")',
        'solar.json: solar/p /nodes/0/wires/0/0: points at node "ghost", which is not in this flow',
        'solar.json: solar/p /nodes/1/id: duplicate node id "p"',
        'solar.json: solar/r /nodes/3/config/broker: must name a mqtt-broker connection ("influx" is a influxdb)',
        "solar.json: solar/r /nodes/3/extra: is not a known property here",
      ]),
    );
    expect(lines.some((l) => l.includes('/nodes/2/type: unknown node type "mystery"'))).toBe(true);
    // The bad broker reference on p is only reported once its other problems are fixed (config invalid first).
    expect(r.errors.every((e) => e.file === "solar.json" && e.flowId === "solar")).toBe(true);
  });

  it("names an unset environment variable, and honours defaults and escapes", () => {
    const r = compileFlow(doc([{ id: "p", type: "poll", config: { interval: "${INTERVAL}" } }]), { registry, env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ nodeId: "p", pointer: "/nodes/0/config/interval", message: expect.stringContaining("INTERVAL is not set") });
    const ok = compiled(doc([{ id: "p", type: "poll", config: { interval: "${INTERVAL:-5s}", token: "$${LITERAL}" } }]));
    expect(ok.nodes[0]!.config).toMatchObject({ interval: "5s", token: "${LITERAL}" });
    const fromEnv = compiled(doc([{ id: "p", type: "poll", config: { interval: "${INTERVAL}" } }], { env: { INTERVAL: "1s" } }), { INTERVAL: "2s" });
    expect(fromEnv.nodes[0]!.config.interval).toBe("2s");
  });

  it("refuses wires into a source and ports beyond the type's outputs", () => {
    const r = compileFlow(doc([{ id: "a", type: "poll", wires: [["b"], ["b"]] }, { id: "b", type: "poll" }]), { registry, env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.message)).toEqual(expect.arrayContaining(["has 2 output ports wired but poll has 1", 'wires to "b", a poll node, which has no input']));
    }
  });

  it("warns about literal secrets and redacts them in API answers", () => {
    const d = doc([{ id: "p", type: "poll", config: { token: "hunter2" } }, { id: "q", type: "poll", config: { token: "${TOKEN}" } }]);
    const r = compileFlow(d, { registry, env: { TOKEN: "x" } });
    expect(r.ok && r.warnings.map((w) => w.pointer)).toEqual(["/nodes/0/config/token"]);
    const red = redactSecrets(d as FlowDocument, registry);
    expect(red.nodes[0]!.config!.token).toBe("***");
    expect(red.nodes[1]!.config!.token).toBe("${TOKEN}");
  });

  it("hashes documents independently of key order", () => {
    expect(hashDocument({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(hashDocument({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(hashDocument({ a: 1 })).not.toBe(hashDocument({ a: 2 }));
  });
});

describe("migration", () => {
  it("lifts a format-0 document (top-level x/y, flat wires) to format 1", () => {
    const r = migrateFlow({ id: "old", nodes: [{ id: "p", type: "poll", x: 10, y: 20, wires: ["s"] }, { id: "s", type: "sink" }] });
    expect(r).toMatchObject({ ok: true, migratedFrom: "wattflow/flow@0" });
    const flow = compiled(r.ok ? r.document : null);
    expect(flow.document.nodes[0]).toEqual({ id: "p", type: "poll", position: { x: 10, y: 20 }, wires: [["s"]] });
  });

  it("refuses a format it does not know", () => {
    const r = compileFlow({ format: "wattflow/flow@9", id: "x", nodes: [] }, { registry, env: {} });
    expect(!r.ok && r.errors[0]!.message).toBe('unsupported format "wattflow/flow@9" (this runtime reads wattflow/flow@1)');
  });
});

describe("diff", () => {
  const base = doc(
    [
      { id: "a", type: "poll", config: { broker: "b" }, wires: [["s"]] },
      { id: "c", type: "poll", wires: [["s"]] },
      { id: "s", type: "sink" },
    ],
    { connections: [{ id: "b", type: "mqtt-broker", config: { url: "mqtt://one" } }] },
  );
  it("separates rewired, changed, added, removed and connection restarts", () => {
    const before = compiled(base);
    const next = JSON.parse(JSON.stringify(base)) as { nodes: { id: string; config?: object; wires?: string[][]; position?: object }[]; connections: { config: { url: string } }[] };
    next.nodes[1]!.position = { x: 1, y: 1 };
    next.nodes[2] = { id: "s2", type: "sink" } as never;
    next.nodes[0]!.wires = [["s2"]];
    next.nodes[1]!.wires = [["s2"]];
    next.connections[0]!.config.url = "mqtt://two";
    const d = diffFlows(before, compiled(next));
    expect(d).toMatchObject({ added: ["s2"], removed: ["s"], changed: [], rewired: ["c"], restartedByConnection: ["a"], connections: { changed: ["b"] } });
    expect(diffDocuments(base as FlowDocument, next as unknown as FlowDocument)).toMatchObject({ added: ["s2"], removed: ["s"], rewired: ["c"], restartedByConnection: ["a"] });
  });

  it("a config change is a change", () => {
    const next = JSON.parse(JSON.stringify(base)) as { nodes: { config?: Record<string, unknown> }[] };
    next.nodes[1]!.config = { count: 9 };
    expect(diffFlows(compiled(base), compiled(next)).changed).toEqual(["c"]);
  });
});

describe("files", () => {
  it("parse errors give line and column", () => {
    const r = parseFlowText('{\n  "id": "x",\n  "nodes": [,]\n}', "bad.json");
    expect(!r.ok && r.errors[0]!.message).toMatch(/^not valid JSON at line 3, column 13/);
  });

  it("writes atomically and loads back with the file named in errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wattflow-flow-"));
    try {
      const path = join(dir, "solar.json");
      await writeFlowFileAtomic(path, doc([{ id: "p", type: "poll" }]));
      expect(readdirSync(dir)).toEqual(["solar.json"]);
      expect(readFileSync(path, "utf8").endsWith("}\n")).toBe(true);
      expect((await loadFlowFile(path, { registry, env: {} })).ok).toBe(true);
      await writeFlowFileAtomic(path, doc([{ id: "p", type: "nope" }]));
      const bad = await loadFlowFile(path, { registry, env: {} });
      expect(!bad.ok && bad.errors[0]!.file).toBe(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("raw fields", () => {
  it("keeps ${...} in fields marked raw, and interpolates the others", () => {
    const r = new Registry();
    r.registerNode(
      defineNode({
        type: "code",
        category: "test",
        summary: "code",
        config: Type.Object({ code: Type.String({ [RAW_KEYWORD]: true }), label: Type.String() }),
        inputs: 1,
        outputs: [],
        create: () => ({}),
      }),
    );
    const out = compileFlow(doc([{ id: "c", type: "code", config: { code: "return `${msg.payload}`", label: "${SITE}" } }]), { registry: r, env: { SITE: "roof" } });
    expect(out.ok && out.flow.nodes[0]!.config).toEqual({ code: "return `${msg.payload}`", label: "roof" });
  });
});
