/**
 * A flow marked `"isolate": true` runs in a worker thread of its own: the
 * real runtime (standard nodes from the build, found in node_modules) runs
 * a busy isolated flow beside a ticking one, links both ways across the
 * boundary, serves the isolated flow's routes and WebSocket endpoint, writes
 * its store, and restarts its worker when it crashes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import mqtt from "mqtt";
import { createServer } from "node:net";
import { startRuntime, type RunningRuntime } from "../../start.js";
import type { RuntimeEvent } from "../../api/types.js";
import { capturingLogger, until } from "../../testing/index.js";
import { createMessage } from "../message.js";
import { formatIssue } from "../../flow/index.js";
import type { Completion } from "../types.js";

let rt: RunningRuntime;
let root: string;
let flowsDir: string;
let mqttPort: number;
const events: RuntimeEvent[] = [];
const logLines: string[] = [];

const flowFile = (id: string, nodes: object[], isolate = false, extra: object = {}) => ({ format: "wattflow/flow@1", id, ...(isolate ? { isolate: true } : {}), ...extra, nodes });
const fnNode = (id: string, code: string, wires: string[][] = [], extra: object = {}) => ({ id, type: "function", config: { code, ...extra }, wires });
const debugged = (flowId: string, nodeId: string) => events.filter((e): e is Extract<RuntimeEvent, { type: "debug" }> => e.type === "debug" && e.flowId === flowId && e.nodeId === nodeId);

function injectTracked(flowId: string, nodeId: string, payload: unknown): Promise<Completion> {
  return new Promise((resolve) => {
    if (!rt.engine.inject(flowId, nodeId, createMessage({ payload }), resolve)) throw new Error(`${flowId}/${nodeId} is not running`);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wattflow-isolate-"));
  flowsDir = join(root, "flows");
  mkdirSync(flowsDir);
  const write = (id: string, nodes: object[], isolate = false, extra: object = {}) => writeFileSync(join(flowsDir, `${id}.json`), JSON.stringify(flowFile(id, nodes, isolate, extra)));
  mqttPort = await freePort();
  // Both flows host "the" embedded broker: one per process, held by the main thread.
  const broker = { env: { MQTT_PORT: String(mqttPort), MQTT_WS_PORT: "off" }, connections: [{ id: "b", type: "mqtt-broker", config: { url: "embedded" } }] };
  write(
    "broker-main",
    [
      { id: "sub", type: "mqtt-in", config: { broker: "b", topic: "main/#" }, wires: [["show"]] },
      { id: "show", type: "debug", config: { property: "payload" } },
    ],
    false,
    broker,
  );
  // In the main thread: a steady tick seen on the event stream, and both ends of the links.
  write("steady", [
    { id: "tick", type: "inject", config: { interval: "20ms", payload: 1 }, wires: [["seen"]] },
    { id: "seen", type: "debug", config: { property: "payload" } },
    { id: "front", type: "link-out", config: { links: ["iso/in"] } },
    { id: "back", type: "link-in", wires: [["returned"]] },
    { id: "returned", type: "debug", config: { property: "payload" } },
  ]);
  write(
    "iso",
    [
      { id: "go-busy", type: "inject", config: {}, wires: [["busy"]] },
      fnNode("busy", "const end = Date.now() + 2500; while (Date.now() < end) {}\nreturn msg;", [], { timeout: "10s" }),
      { id: "in", type: "link-in", wires: [["double"]] },
      fnNode("double", "if (msg.payload === 'fail') throw new Error('refused in the worker');\nglobal.set('lastDoubled', msg.payload * 2);\nreturn { ...msg, payload: msg.payload * 2, reading: { doubled: msg.payload * 2 } };", [["write", "back"]]),
      { id: "write", type: "store-write", config: { series: "iso", property: "reading", fields: ["doubled"], time: "missing" } },
      { id: "back", type: "link-out", config: { links: ["steady/back"] } },
      { id: "get", type: "http-in", config: { method: "GET", path: "/iso/hello" }, wires: [["answer"]] },
      fnNode("answer", "return { ...msg, payload: { hello: msg.req.query.name ?? 'nobody', thread: 'worker' } };", [["respond"]]),
      { id: "respond", type: "http-response", config: {} },
      { id: "go-ws", type: "inject", config: { payload: "to clients", payloadType: "string" }, wires: [["live"]] },
      { id: "live", type: "ws-out", config: { path: "/ws/iso" } },
      { id: "go-crash", type: "inject", config: {}, wires: [["crash"]] },
      fnNode("crash", "setTimeout(() => { throw new Error('the worker goes down'); }, 0);\nreturn null;"),
      // A job run through the job gate every second (on a runtime on its own, inject's "cluster": "one" needs no gate).
      { id: "gated", type: "retention", config: { cron: "* * * * * *", rules: [{ series: "iso.nothing", keep: "7d" }] }, wires: [["gated-seen"]] },
      { id: "gated-seen", type: "debug", config: { property: "payload" } },
      { id: "sub", type: "mqtt-in", config: { broker: "b", topic: "iso/#" }, wires: [["heard"]] },
      { id: "heard", type: "debug", config: { property: "payload" } },
    ],
    true,
    broker,
  );
  rt = await startRuntime({
    port: 0,
    host: "127.0.0.1",
    httpPort: 0,
    httpHost: "127.0.0.1",
    dataDir: join(root, "data"),
    flowsDir,
    watch: false,
    logger: capturingLogger(logLines, "info"),
  });
  rt.events.subscribe((e) => events.push(e));
}, 30_000);

afterAll(async () => {
  // Stopping the runtime ends every isolated flow's worker.
  await rt?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("isolated flows", () => {
  it("a flow busy for 2.5 s in its worker holds up neither the other flows nor the admin API", async () => {
    await until(() => debugged("steady", "seen").length >= 5, 5000, "the steady flow ticking");
    // A first request opens the connection; the ones timed below reuse it, as the editor's do.
    await (await fetch(new URL("api/health", rt.adminUrl))).text();
    const from = debugged("steady", "seen").length;
    const began = Date.now();
    expect((await fetch(new URL("api/flows/iso/nodes/go-busy/trigger", rt.adminUrl), { method: "POST" })).status).toBe(202);
    const healthTimes: number[] = [];
    while (Date.now() - began < 2000) {
      const t0 = performance.now();
      const res = await fetch(new URL("api/health", rt.adminUrl));
      await res.text();
      healthTimes.push(performance.now() - t0);
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => logLines.some((l) => l.includes("iso/busy's input handler ran")), 5000, "the worker's stall report");
    const seen = debugged("steady", "seen").slice(from);
    const times = seen.map((e) => Date.parse(e.time));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // The 20 ms tick keeps coming while the isolated flow computes: no gap near the 2.5 s it holds its worker
    // (the stated bound is 1 s; measured gaps are 40–70 ms, more only when other work takes the 2 cores).
    expect(seen.length).toBeGreaterThan(30);
    expect(Math.max(...gaps)).toBeLessThan(1000);
    // The admin API answers within 100 ms while the flow holds its worker for 2.5 s; on a loaded 2-core machine
    // some requests may wait on the OS scheduler, but none waits for the flow.
    const sorted = [...healthTimes].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(100);
    expect(Math.max(...healthTimes)).toBeLessThan(1000);
    // The worker's own watchdog named the node, as it does in-process; the main thread saw the worker go silent.
    const stall = logLines.map((l) => JSON.parse(l) as { msg: string }).find((l) => l.msg.includes("iso/busy's input handler ran"));
    expect(stall!.msg).toMatch(/event loop blocked for \d+ ms: iso\/busy's input handler ran 2[4-9]\d\d ms/);
    expect(logLines.some((l) => l.includes("iso: the isolated flow's worker has not answered for"))).toBe(true);
    expect(rt.engine.statuses()).toContainEqual({ flowId: "iso", nodeId: "busy", status: expect.objectContaining({ text: expect.stringMatching(/^blocked the event loop/) }) });
  });

  it("links cross the boundary both ways, with completion", async () => {
    await expect(injectTracked("steady", "front", 21)).resolves.toEqual({ outcome: "ack" });
    await until(() => debugged("steady", "returned").length >= 1, 5000, "the answer from the isolated flow");
    expect(debugged("steady", "returned")[0]!.msg).toBe(42);
    const failed = await injectTracked("steady", "front", "fail");
    expect(failed).toMatchObject({ outcome: "nack", error: { message: expect.stringContaining("refused in the worker") } });
    // What cannot be copied (a function) fails at the boundary, alone: the messages around it cross.
    const around = injectTracked("steady", "front", 1);
    const uncopyable = await new Promise<Completion>((resolve) => rt.engine.inject("steady", "front", createMessage({ payload: 2, callback: () => 2 }), resolve));
    expect(uncopyable).toMatchObject({ outcome: "nack", error: { message: expect.stringMatching(/^iso\/in: the message cannot be copied to the other thread \(.*\); an isolated flow takes plain data$/) } });
    await expect(around).resolves.toEqual({ outcome: "ack" });
    // Counters come over from the worker.
    await until(() => (rt.engine.stats().find((s) => s.flowId === "iso" && s.nodeId === "double")?.received ?? 0) >= 2, 5000, "the worker's counters");
  });

  it("the isolated flow writes the main thread's store, serves HTTP and broadcasts on WebSocket", async () => {
    await expect(injectTracked("iso", "in", 5)).resolves.toEqual({ outcome: "ack" });
    await until(async () => (await rt.engine.store.latest("iso.doubled"))?.value === 10, 5000, "the point written from the worker");
    await until(async () => (await rt.engine.store.context.get("global", "lastDoubled")) === 10, 5000, "the context written from the worker");

    const res = await fetch(new URL("iso/hello?name=ada", rt.httpUrl));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: "ada", thread: "worker" });

    const ws = new WebSocket(new URL("ws/iso", rt.httpUrl.replace(/^http/, "ws")));
    try {
      const got = new Promise<string>((resolve) => ws.once("message", (data: Buffer) => resolve(data.toString())));
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
      expect((await fetch(new URL("api/flows/iso/nodes/go-ws/trigger", rt.adminUrl), { method: "POST" })).status).toBe(202);
      expect(await got).toBe("to clients");
    } finally {
      ws.close();
    }
  });

  it("a once-per-cluster job of the isolated flow runs through the main thread's job gate", async () => {
    const gate = rt.engine as unknown as { host: { jobs: { run: (...args: unknown[]) => Promise<unknown> } } };
    const asked: unknown[] = [];
    const run = gate.host.jobs.run;
    gate.host.jobs.run = (...args: unknown[]) => {
      asked.push(args[0]);
      return run(...args);
    };
    try {
      const before = debugged("iso", "gated-seen").length;
      await until(() => asked.includes("iso/gated") && debugged("iso", "gated-seen").length > before, 5000, "a gated tick");
    } finally {
      gate.host.jobs.run = run;
    }
  });

  it("an isolated flow's embedded MQTT broker is the main thread's one", async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`);
    try {
      await client.publishAsync("iso/reading", "42", { qos: 1 });
      await client.publishAsync("main/reading", "7", { qos: 1 });
      await until(() => debugged("iso", "heard").length >= 1 && debugged("broker-main", "show").length >= 1, 5000, "both flows hearing the broker");
      expect(debugged("iso", "heard")[0]!.msg).toBe(42);
      expect(debugged("broker-main", "show")[0]!.msg).toBe(7);
    } finally {
      await client.endAsync();
    }
  });

  it("a bad isolated flow is refused with the usual errors; a link-call across the boundary is refused", async () => {
    const bad = await rt.manager.deploy({ flowId: "bad", flow: flowFile("bad", [{ id: "tick", type: "inject", config: { interval: "10 sec" } }], true) });
    expect(bad.ok).toBe(false);
    if (bad.ok || bad.kind !== "validation") throw new Error("expected a validation failure");
    expect(bad.errors.map(formatIssue)).toEqual([expect.stringMatching(/bad\.json: bad\/tick \/nodes\/0\/config\/interval: must match/)]);
    expect(rt.engine.flowIds()).not.toContain("bad");
    // An isolated flow's call out is refused, naming the field.
    const out = await rt.manager.deploy({ flowId: "iso-caller", flow: flowFile("iso-caller", [{ id: "call", type: "link-call", config: { target: "steady/back" } }], true) });
    if (out.ok || out.kind !== "validation") throw new Error("expected a validation failure");
    expect(out.errors.map(formatIssue)).toEqual([expect.stringMatching(/iso-caller\/call \/nodes\/0\/config\/target: calls "steady\/back" in another flow, but this flow is isolated/)]);
    // A call into the isolated flow from the main thread runs, and is said to be one that cannot be answered.
    expect(await rt.manager.deploy({ flowId: "caller", flow: flowFile("caller", [{ id: "call", type: "link-call", config: { target: "iso/in" } }]) })).toMatchObject({ ok: true });
    expect(logLines.some((l) => l.includes('caller/call: the link-call to \\"iso/in\\" crosses into another thread (flow iso is isolated)'))).toBe(true);
    await rt.manager.remove("caller");
  });

  it("a worker that crashes is restarted with its flow", async () => {
    expect((await fetch(new URL("api/flows/iso/nodes/go-crash/trigger", rt.adminUrl), { method: "POST" })).status).toBe(202);
    await until(() => logLines.some((l) => l.includes("iso: the isolated flow's worker crashed: the worker goes down")), 5000, "the crash report");
    await until(() => logLines.some((l) => l.includes("iso: the isolated flow's worker runs again")), 10_000, "the restart");
    await expect(injectTracked("iso", "in", 50)).resolves.toEqual({ outcome: "ack" });
    await until(async () => (await rt.engine.store.latest("iso.doubled"))?.value === 100, 5000, "the restarted flow writing");
    expect((await fetch(new URL("iso/hello", rt.httpUrl))).status).toBe(200);
  });
});
