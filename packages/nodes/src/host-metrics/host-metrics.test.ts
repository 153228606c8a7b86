/**
 * host-metrics on the machine running the tests: what it reports agrees with
 * what Node itself knows of this host, and the host id stays the same.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import hostMetrics from "./index.js";
import { machineKey, stableUuid, type HostInventory, type Metric } from "./collect.js";

interface Report {
  host: HostInventory;
  timestamp: string;
  metrics: Record<string, Metric>;
}

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function start(config: Record<string, unknown>): Promise<TestFlow> {
  // An hour's interval: the only samples are the one at start and those the test asks for.
  t = await startTestFlow({ nodes: [{ id: "me", type: "host-metrics", config: { interval: "1h", ...config }, wires: [["out"]] }, { id: "out", type: "test-collect" }] }, { nodes: [hostMetrics] });
  return t;
}

describe("host-metrics", () => {
  it("reports this host's inventory and metrics, under an id derived from the machine", async () => {
    const flow = await start({});
    const [first] = await flow.waitFor("out", 1, 15_000);
    const report = first!.payload as Report;
    const id = stableUuid("wattflow-host", await machineKey());
    expect(id).toMatch(UUID);
    expect(first!.topic).toBe(`hosts/${id}`);
    expect(report.host).toMatchObject({ id, hostname: os.hostname(), ram_total: os.totalmem() });
    expect(report.host.cpu_cores).toBeGreaterThan(0);
    if (process.platform === "linux") {
      // The distribution's own words, as its os-release file gives them.
      const release = readFileSync("/etc/os-release", "utf8");
      const field = (key: string) => new RegExp(`^${key}="?([^"\n]*)"?$`, "m").exec(release)?.[1];
      // The name, then the release (the pretty name's, which may add a point release and "LTS" to VERSION_ID).
      expect(report.host.os_version.startsWith(`${field("NAME")} ${field("VERSION_ID")}`)).toBe(true);
      expect(report.host.system_type).toBe("LINUX");
    }
    for (const nic of report.host.network_interfaces) expect(nic.id).toBe(stableUuid(id, "nic", nic.name));

    const m = report.metrics;
    expect(m.memory_total).toMatchObject({ value: os.totalmem(), unit: "bytes", category: "MEMORY" });
    expect(m.cpu_usage).toMatchObject({ unit: "%", category: "CPU" });
    expect(m.cpu_usage!.value).toBeGreaterThanOrEqual(0);
    expect(m.cpu_usage!.value).toBeLessThanOrEqual(100);
    expect(m.memory_usage!.value).toBeGreaterThan(0);
    expect(m.memory_usage!.value).toBeLessThanOrEqual(100);
    expect(m.load_1m!.value).toBeGreaterThanOrEqual(0);
    expect(m.uptime!.value).toBeGreaterThan(0);
    expect(m.uptime!.value).toBeLessThanOrEqual(os.uptime());
    // Every metric is stamped with the report's time and one of the named categories.
    for (const [name, metric] of Object.entries(m)) {
      expect(metric.timestamp, name).toBe(report.timestamp);
      expect(["CPU", "MEMORY", "STORAGE", "NETWORK", "TEMPERATURE", "SYSTEM"], name).toContain(metric.category);
      expect(Number.isFinite(metric.value), name).toBe(true);
    }
    expect(flow.engine.statuses().find((s) => s.nodeId === "me")?.status.text?.startsWith(`${os.hostname()}: cpu `)).toBe(true);
  }, 20_000);

  it("samples again on each input message, with the same id; a fixed hostId replaces the derived one", async () => {
    const flow = await start({});
    await flow.waitFor("out", 1, 15_000);
    await expect(flow.injectTracked("me", { payload: null })).resolves.toEqual({ outcome: "ack" });
    const [a, b] = flow.received("out");
    expect(b!.topic).toBe(a!.topic);
    expect(Date.parse((b!.payload as Report).timestamp)).toBeGreaterThanOrEqual(Date.parse((a!.payload as Report).timestamp));
    await flow.stop();

    const fixed = await start({ hostId: "rack-7" });
    const [msg] = await fixed.waitFor("out", 1, 15_000);
    expect(msg!.topic).toBe("hosts/rack-7");
    expect((msg!.payload as Report).host.id).toBe("rack-7");
  }, 20_000);
});
