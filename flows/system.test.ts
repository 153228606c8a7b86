/**
 * Contract tests of flows/system.json against the Wyandata system module's
 * documented endpoints and WebSocket shape, with this machine as a real host.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import WebSocket from "ws";
import { startRuntime, type RunningRuntime } from "../packages/runtime/src/start.js";
import { until } from "../packages/runtime/src/testing/index.js";
import { copyShippedFlow } from "../test/copy-flow.js";
import { testStore } from "../test/shipped-flow.js";

let rt: RunningRuntime;
let root: string;
let http: string;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const TOKEN = "system-test-token-0123456789";
const report = (data: unknown, token: string | null = TOKEN) =>
  fetch(new URL("/system/api/report/", http), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(data),
  });

const get = async <T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(new URL(path, http));
  return { status: res.status, body: (await res.json()) as T };
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wattflow-system-"));
  mkdirSync(join(root, "flows"));
  copyShippedFlow(new URL("./system.json", import.meta.url), join(root, "flows"));
  process.env.SYSTEM_INTERVAL = "1s";
  process.env.SYSTEM_API_TOKEN = TOKEN;
  const onPostgres = await testStore();
  rt = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "data"), flowsDir: join(root, "flows"), logger: pino({ level: "silent" }), ...onPostgres });
  http = rt.httpUrl;
  for (let i = 0; i < 100; i++) {
    if ((await get<unknown[]>("/system/api/hosts/")).body.length > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("this host never reported");
}, 30_000);

afterAll(async () => {
  await rt?.stop();
  delete process.env.SYSTEM_INTERVAL;
  delete process.env.SYSTEM_API_TOKEN;
  rmSync(root, { recursive: true, force: true });
});

describe("hosts", () => {
  it("lists hosts with stable UUIDs and their online state", async () => {
    const { body } = await get<Record<string, unknown>[]>("/system/api/hosts/");
    expect(Object.keys(body[0]!)).toEqual(["id", "hostname", "system_type", "ip_address", "is_active", "last_seen"]);
    expect(body[0]).toMatchObject({ id: expect.stringMatching(UUID), system_type: "LINUX", is_active: true });
    expect(Date.parse(body[0]!.last_seen as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("details a host with storage devices and network interfaces", async () => {
    const [host] = (await get<{ id: string }[]>("/system/api/hosts/")).body;
    const { status, body } = await get<Record<string, unknown>>(`/system/api/hosts/${host!.id}/`);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual([
      "id", "hostname", "system_type", "ip_address", "cpu_model", "cpu_cores", "ram_total", "gpu_model", "os_version",
      "is_active", "last_seen", "storage_devices", "network_interfaces",
    ]);
    expect(typeof body.cpu_cores).toBe("number");
    expect(body.ram_total as number).toBeGreaterThan(0);
    for (const d of body.storage_devices as Record<string, unknown>[]) expect(Object.keys(d)).toEqual(["id", "name", "device_type", "total_bytes"]);
    for (const n of body.network_interfaces as Record<string, unknown>[]) {
      expect(Object.keys(n)).toEqual(["id", "name", "mac_address", "ip_address", "is_up"]);
      expect(n.id).toMatch(UUID);
    }
    expect((await get(`/system/api/hosts/00000000-0000-5000-8000-000000000000/`)).status).toBe(404);
  });

  it("gives the latest metrics with value, unit, timestamp and category", async () => {
    const [host] = (await get<{ id: string; hostname: string }[]>("/system/api/hosts/")).body;
    const { body } = await get<{ host_id: string; hostname: string; metrics: Record<string, Record<string, unknown>> }>(`/system/api/hosts/${host!.id}/metrics/`);
    expect(body.host_id).toBe(host!.id);
    expect(body.hostname).toBe(host!.hostname);
    expect(body.metrics.cpu_usage).toMatchObject({ unit: "%", category: "CPU", value: expect.any(Number), timestamp: expect.any(String) });
    expect(body.metrics.memory_used).toMatchObject({ unit: "bytes", category: "MEMORY" });
    expect(body.metrics.disk_usage_root).toMatchObject({ unit: "%", category: "STORAGE" });
  });
});

describe("agents", () => {
  const agent = {
    host: { id: "9d7af3fa-71c5-4049-a9c9-3c78566e9821", hostname: "dbserver01", system_type: "LINUX", ip_address: "192.168.1.101", cpu_model: "x", cpu_cores: 8, ram_total: 1, gpu_model: "", os_version: "Debian 12", storage_devices: [], network_interfaces: [] },
    timestamp: new Date().toISOString(),
    metrics: { cpu_usage: { value: 23.5, unit: "%", timestamp: new Date().toISOString(), category: "CPU" } },
  };

  it("an agent's report registers its host", async () => {
    expect((await report(agent, null)).status).toBe(401);
    expect((await report(agent, "another-token-0123456789")).status).toBe(401);
    expect((await get<{ hostname: string }[]>("/system/api/hosts/")).body.map((h) => h.hostname)).not.toContain("dbserver01");
    const res = await report(agent);
    expect(res.status).toBe(202);
    const hosts = (await get<{ hostname: string }[]>("/system/api/hosts/")).body;
    expect(hosts.map((h) => h.hostname)).toContain("dbserver01");
    expect((await get<{ metrics: Record<string, { value: number }> }>(`/system/api/hosts/${agent.host.id}/metrics/`)).body.metrics.cpu_usage!.value).toBe(23.5);
  });

  it("refuses a malformed report with every problem", async () => {
    const res = await report({ host: { id: "nope" }, metrics: { cpu: { value: "hot" } } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid report", details: ["host.id must be a UUID", "host.hostname is required", "metrics.cpu.value must be a number"] });
  });
});

describe("the agent flow", () => {
  it("sends its reports with the token, and they are accepted", async () => {
    const agentRoot = mkdtempSync(join(tmpdir(), "wattflow-agent-"));
    mkdirSync(join(agentRoot, "flows"));
    copyFileSync(new URL("./agents/system-agent.json", import.meta.url), join(agentRoot, "flows", "system-agent.json"));
    process.env.CENTRAL_URL = http.replace(/\/$/, "");
    process.env.AGENT_INTERVAL = "200ms";
    const accepted = () => rt.engine.stats().find((st) => st.flowId === "system" && st.nodeId === "check-report")?.received ?? 0;
    const before = accepted();
    let agent: RunningRuntime | undefined;
    try {
      agent = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(agentRoot, "data"), flowsDir: join(agentRoot, "flows"), watch: false, logger: pino({ level: "silent" }) });
      expect(agent.manager.list().find((f) => f.id === "system-agent")?.state).toBe("running");
      const end = Date.now() + 10_000;
      while (accepted() === before && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(accepted()).toBeGreaterThan(before);
    } finally {
      await agent?.stop();
      delete process.env.CENTRAL_URL;
      delete process.env.AGENT_INTERVAL;
      rmSync(agentRoot, { recursive: true, force: true });
    }
  });
});

describe("WebSocket /ws/system/data/", () => {
  it("sends { timestamp, metrics } on every report", async () => {
    const ws = new WebSocket(new URL("/ws/system/data/", http.replace("http", "ws")));
    const frame = await new Promise<Record<string, unknown>>((r) => ws.once("message", (d) => r(JSON.parse(String(d)))));
    expect(Object.keys(frame)).toEqual(["timestamp", "metrics"]);
    const metrics = frame.metrics as Record<string, Record<string, unknown>>;
    for (const m of Object.values(metrics)) {
      expect(typeof m.value).toBe("number");
      expect(typeof m.category).toBe("string");
    }
    ws.close();
  });
});

describe("retention", () => {
  it("keeps 6 hours of metrics, pruned every hour", async () => {
    const flow = rt.engine.running("system")!;
    expect(flow.nodes.find((n) => n.id === "prune")!.config).toMatchObject({ cron: "0 * * * *", rules: [{ series: "system.*", keep: "6h" }] });
    expect(await rt.engine.trigger("system", "prune")).toBe(true);
    // The run is asynchronous (on PostgreSQL it takes a round trip or two): its status says when it is done.
    const status = () => rt.engine.statuses().find((s) => s.flowId === "system" && s.nodeId === "prune")?.status.text ?? "";
    await until(() => /removed \d+$/.test(status()), 5000, "the prune to finish");
    expect(status()).toMatch(/removed 0$/);
  });
});
