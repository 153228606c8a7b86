/**
 * The runtime as a user runs it: real sockets, real files, the standard
 * node library discovered from node_modules (built by `npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import WebSocket from "ws";
import { startRuntime, type RunningRuntime } from "./start.js";
import type { DeployResult, FlowDetail, FlowSummary, RevisionSummary, RuntimeEvent, ValidationFailure } from "./api/types.js";
import { hashPassword } from "./server/auth.js";
import { until } from "./testing/index.js";
import { writePlugin } from "../../../test/fakes/plugin.js";

let rt: RunningRuntime;
let root: string;
let flowsDir: string;
let api: string;
const events: RuntimeEvent[] = [];

const demo = (interval = "1s", extra: object[] = []) => ({
  format: "wattflow/flow@1",
  id: "demo",
  nodes: [
    { id: "tick", type: "inject", config: { interval, payload: 1, payloadType: "number" }, wires: [["count"]] },
    { id: "count", type: "function", config: { code: "const n = (context.get('n') ?? 0) + 1; context.set('n', n); node.status({ text: String(n) }); return { ...msg, n };" }, wires: [["show"]] },
    { id: "show", type: "debug", config: {} },
    ...extra,
  ],
});

async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, api), {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}


beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wattflow-rt-"));
  flowsDir = join(root, "flows");
  mkdirSync(flowsDir);
  writeFileSync(join(flowsDir, "demo.json"), JSON.stringify(demo()));
  // A declarative test beside a flow (wattflow test) is not a flow: startup must not load it.
  writeFileSync(join(flowsDir, "demo.test.json"), JSON.stringify({ flow: "demo.json", tests: [] }));
  // A plugin folder with one good plugin and one that throws on load.
  const nodes = join(root, "plugins");
  writePlugin(
    nodes,
    "good",
    `export default { nodes: [{ type: "shout", category: "test", summary: "upper-cases the payload", config: { type: "object", properties: {} }, inputs: 1, outputs: ["out"],
       create() { return { input(m, send, done) { send({ ...m, payload: String(m.payload).toUpperCase() }); done(); } }; } }] };`,
  );
  writePlugin(nodes, "broken", `throw new Error("cannot find the serial port driver");`);

  rt = await startRuntime({
    port: 0,
    host: "127.0.0.1",
    httpPort: 0,
    httpHost: "127.0.0.1",
    dataDir: join(root, "data"),
    flowsDir,
    nodesDir: nodes,
    logger: pino({ level: "silent" }),
  });
  api = rt.adminUrl;
  rt.events.subscribe((e) => events.push(e));
});

afterAll(async () => {
  await rt?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("startup", () => {
  it("runs the flows of the folder and reports ready", async () => {
    expect((await call<{ ready: boolean }>("GET", "api/ready")).body.ready).toBe(true);
    const flows = (await call<FlowSummary[]>("GET", "api/flows")).body;
    expect(flows).toMatchObject([{ id: "demo", revision: 1, state: "running", nodeCount: 3 }]);
  });

  it("discovers plugins; one that throws on load is reported and the rest run", async () => {
    const catalog = (await call<{ nodes: { type: string; module: string; configSchema: object }[]; failedPlugins: { module: string; error: string }[] }>("GET", "api/nodes")).body;
    const types = catalog.nodes.map((n) => n.type);
    expect(types).toEqual(expect.arrayContaining(["inject", "debug", "change", "switch", "function", "catch", "status", "link-in", "link-out", "shout"]));
    expect(catalog.nodes.find((n) => n.type === "inject")!.module).toBe("@wattflow/nodes");
    expect(catalog.failedPlugins).toEqual([{ module: "wattflow-node-broken", error: "cannot find the serial port driver" }]);
  });
});

describe("deploys", () => {
  it("refuses an invalid flow with every error named, and the old flow keeps running", async () => {
    const current = (await call<FlowDetail>("GET", "api/flows/demo")).body;
    const bad = demo("often", [{ id: "x", type: "nope" }, { id: "show", type: "debug" }]);
    const res = await call<ValidationFailure>("PUT", "api/flows/demo", { flow: bad, expectedRevision: current.revision });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => `${e.nodeId} ${e.pointer}`)).toEqual(
      expect.arrayContaining(["tick /nodes/0/config/interval", "x /nodes/3/type", "show /nodes/4/id"]),
    );
    expect((await call<FlowDetail>("GET", "api/flows/demo")).body.revision).toBe(current.revision);
    const before = rt.engine.stats().find((s) => s.nodeId === "count")!.received;
    await until(() => rt.engine.stats().find((s) => s.nodeId === "count")!.received > before, 3000);
  });

  it("restarts only what changed: an unchanged node keeps its state", async () => {
    await until(() => (rt.engine.stats().find((s) => s.nodeId === "show")?.received ?? 0) >= 1, 3000);
    const current = (await call<FlowDetail>("GET", "api/flows/demo")).body;
    const next = demo("1s", [{ id: "extra", type: "shout", wires: [] }]);
    next.nodes[2] = { id: "show", type: "debug", config: { toLog: true } } as never;
    // count shows its in-memory count as status: a restart would start it again at 1.
    const counted = () => events.flatMap((e) => (e.type === "status" && e.flowId === "demo" && e.nodeId === "count" ? [Number(e.status.text)] : []));
    await until(() => counted().length > 0, 3000);
    const res = await call<DeployResult>("PUT", "api/flows/demo", { flow: next, expectedRevision: current.revision, message: "log too", author: "test" });
    expect(res.status).toBe(200);
    expect(res.body.diff).toMatchObject({ added: ["extra"], changed: ["show"], removed: [] });
    expect(res.body.revision).toBe(current.revision + 1);
    const before = counted().length;
    const last = counted().at(-1)!;
    await until(() => counted().length > before, 3000);
    // count was not restarted: it counts on from where it was.
    expect(counted()[before]).toBe(last + 1);
    // The file on disk is the source of truth and now holds the deployed flow.
    expect(JSON.parse(readFileSync(join(flowsDir, "demo.json"), "utf8")).nodes).toHaveLength(4);
    expect(events.some((e) => e.type === "deploy" && e.flowId === "demo" && e.revision === res.body.revision)).toBe(true);
  });

  it("refuses a deploy based on a stale revision with 409", async () => {
    const res = await call<{ error: string; currentRevision: number }>("PUT", "api/flows/demo", { flow: demo(), expectedRevision: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("conflict");
    expect(res.body.currentRevision).toBeGreaterThan(1);
  });

  it("lists revisions, diffs them and rolls back", async () => {
    const revisions = (await call<RevisionSummary[]>("GET", "api/flows/demo/revisions")).body;
    expect(revisions.map((r) => r.revision)).toEqual([2, 1]);
    expect(revisions[0]).toMatchObject({ author: "test", message: "log too" });
    const diff = await call<{ diff: { added: string[] } }>("GET", "api/flows/demo/diff?from=1&to=2");
    expect(diff.body.diff.added).toEqual(["extra"]);
    const back = await call<DeployResult>("POST", "api/flows/demo/rollback", { revision: 1 });
    expect(back.status).toBe(200);
    expect(back.body.revision).toBe(3);
    expect(back.body.diff.removed).toEqual(["extra"]);
    expect((await call<FlowDetail>("GET", "api/flows/demo")).body.flow.nodes).toHaveLength(3);
  });

  it("keeps a secret the editor was shown masked when the flow is saved back", async () => {
    const vault = {
      format: "wattflow/flow@1",
      id: "vault",
      connections: [{ id: "ha", type: "home-assistant", config: { url: "http://127.0.0.1:9", token: "literal-token" } }],
      nodes: [{ id: "d", type: "debug", config: {} }],
    };
    const created = await call<DeployResult>("PUT", "api/flows/vault", { flow: vault, expectedRevision: 0 });
    expect(created.status).toBe(200);
    expect(created.body.warnings?.map((w) => w.pointer)).toContain("/connections/0/config/token");
    const shown = (await call<FlowDetail>("GET", "api/flows/vault")).body;
    const conn = shown.flow.connections![0]!;
    expect(conn.config!.token).toBe("***");
    shown.flow.nodes.push({ id: "e", type: "debug", config: {} });
    const saved = await call<DeployResult>("PUT", "api/flows/vault", { flow: shown.flow, expectedRevision: shown.revision });
    expect(saved.status).toBe(200);
    const onDisk = JSON.parse(readFileSync(join(flowsDir, "vault.json"), "utf8"));
    expect(onDisk.connections[0].config.token).toBe("literal-token");
    expect(onDisk.nodes).toHaveLength(2);
    expect((await call("DELETE", "api/flows/vault")).status).toBe(204);
  });

  it("validates without deploying", async () => {
    const res = await call<{ ok: boolean; diff: { added: string[] } }>("POST", "api/flows/demo/validate", { flow: demo("1s", [{ id: "y", type: "debug" }]) });
    expect(res.body).toMatchObject({ ok: true, diff: { added: ["y"] } });
    expect((await call<FlowDetail>("GET", "api/flows/demo")).body.flow.nodes).toHaveLength(3);
  });
});

describe("flow files on disk", () => {
  it("an edited file is deployed; a broken edit is refused and the old flow keeps running", async () => {
    const file = join(flowsDir, "edited.json");
    writeFileSync(file, JSON.stringify({ format: "wattflow/flow@1", id: "edited", nodes: [{ id: "d", type: "debug" }] }));
    await until(async () => (await call<FlowSummary[]>("GET", "api/flows")).body.some((f) => f.id === "edited" && f.state === "running"));
    writeFileSync(file, '{ "format": "wattflow/flow@1", "id": "edited", "nodes": [ { "id": "d", "type": "debug", } ] }');
    await until(async () => (await call<FlowSummary[]>("GET", "api/flows")).body.some((f) => f.id === "edited" && f.state === "failed"));
    const summary = (await call<FlowSummary[]>("GET", "api/flows")).body.find((f) => f.id === "edited")!;
    expect(summary.errors[0]!.message).toMatch(/not valid JSON at line 1/);
    expect(rt.engine.running("edited")?.nodes.map((n) => n.id)).toEqual(["d"]);
    expect(events.some((e) => e.type === "deploy-failed" && e.flowId === "edited")).toBe(true);
    writeFileSync(file, JSON.stringify({ format: "wattflow/flow@1", id: "edited", nodes: [{ id: "d", type: "debug" }, { id: "e", type: "debug" }] }));
    await until(() => rt.engine.running("edited")?.nodes.length === 2);
  });
});

describe("a misbehaving node does not take the runtime down", () => {
  it("mutation, throws and floods show in status, metrics and the event stream", async () => {
    const flow = {
      format: "wattflow/flow@1",
      id: "chaos",
      nodes: [
        { id: "src", type: "inject", config: { interval: "20ms" }, wires: [["mutate", "throw", "slow"]] },
        { id: "mutate", type: "function", config: { code: "msg.payload = 0; return msg;" } },
        { id: "throw", type: "function", config: { code: "throw new Error('sensor exploded');" } },
        { id: "slow", type: "function", config: { code: "await new Promise(r => setTimeout(r, 1000)); return null;" }, queue: { size: 2, policy: "drop-newest", concurrency: 1 } },
      ],
    };
    const res = await call<DeployResult>("POST", "api/flows", { flow });
    expect(res.status).toBe(201);
    await until(() => {
      const s = rt.engine.stats().filter((x) => x.flowId === "chaos");
      return s.find((x) => x.nodeId === "mutate")!.errors > 1 && s.find((x) => x.nodeId === "throw")!.errors > 1 && s.find((x) => x.nodeId === "slow")!.dropped > 2;
    });
    const statuses = (await call<{ nodeId: string; status: { text?: string } }[]>("GET", "api/status")).body;
    expect(statuses.find((s) => s.nodeId === "mutate")?.status.text).toMatch(/^error: .*read only/);
    expect(statuses.find((s) => s.nodeId === "throw")?.status.text).toBe("error: sensor exploded");
    const metrics = await (await fetch(new URL("metrics", api))).text();
    expect(metrics).toMatch(/wattflow_node_errors_total\{flow="chaos",node="throw",type="function"\} [1-9]/);
    expect(events.some((e) => e.type === "error" && e.nodeId === "mutate")).toBe(true);
    expect(statuses.find((s) => s.nodeId === "slow")?.status.text).toMatch(/^queue full: \d+ dropped$/);
    expect(metrics).toMatch(/wattflow_node_dropped_total\{flow="chaos",node="slow",type="function"\} [1-9]/);
    expect((await call<FlowSummary[]>("GET", "api/flows")).body.find((f) => f.id === "chaos")?.state).toBe("running");
    expect((await call<{ status: string }>("GET", "api/health")).body.status).toBeDefined();
    await call("DELETE", "api/flows/chaos");
  });

  it("the event stream sends debug messages live to WebSocket clients", async () => {
    const ws = new WebSocket(new URL("api/events?types=debug", api.replace("http", "ws")));
    const got: RuntimeEvent[] = [];
    ws.on("message", (data) => got.push(JSON.parse(String(data)) as RuntimeEvent));
    await new Promise((r) => ws.once("open", r));
    await until(() => got.some((e) => e.type === "debug" && e.flowId === "demo" && e.nodeId === "show"), 4000);
    expect(got.every((e) => e.type === "debug")).toBe(true);
    ws.close();
  });
});

describe("admin access", () => {
  it("refuses to listen beyond loopback without a token", async () => {
    await expect(
      startRuntime({ port: 0, host: "0.0.0.0", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "d2"), flowsDir: join(root, "f2"), logger: pino({ level: "silent" }) }),
    ).rejects.toThrow(/refusing to serve the admin API on 0.0.0.0 without access control/);
  });

  it("requires a token or a login when users are configured", async () => {
    const locked = await startRuntime({
      port: 0,
      host: "127.0.0.1",
      httpPort: 0,
      httpHost: "127.0.0.1",
      dataDir: join(root, "d3"),
      flowsDir: join(root, "f3"),
      users: [{ username: "ops", passwordHash: hashPassword("correct horse") }],
      logger: pino({ level: "silent" }),
    });
    try {
      const base = locked.adminUrl;
      expect((await fetch(new URL("api/flows", base))).status).toBe(401);
      expect((await fetch(new URL("api/health", base))).status).toBe(200);
      const bad = await fetch(new URL("api/auth/login", base), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "ops", password: "nope" }) });
      expect(bad.status).toBe(401);
      const good = await fetch(new URL("api/auth/login", base), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "ops", password: "correct horse" }) });
      const { token } = (await good.json()) as { token: string };
      expect((await fetch(new URL("api/flows", base), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await locked.stop();
    }
  });

  it("describes itself with an OpenAPI document", async () => {
    const doc = (await call<{ openapi: string; paths: Record<string, object> }>("GET", "api/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/flows", "/api/flows/{id}", "/api/flows/{id}/rollback", "/api/nodes"]));
  });
});
