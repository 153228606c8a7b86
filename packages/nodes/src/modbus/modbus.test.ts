import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import modbusRead from "./read.js";
import modbusDevice from "./connection.js";
import catchNode from "../catch/index.js";
import { startEpeverSimulator, type RunningSimulator } from "./simulator.js";
import { decode, planReads, type RegisterDef } from "./registers.js";
import { EPEVER_TRACER } from "./epever-tracer.js";

let t: TestFlow | undefined;
let sim: RunningSimulator | undefined;
afterEach(async () => {
  await t?.stop();
  await sim?.close();
  t = sim = undefined;
});

describe("register maps", () => {
  it("reads contiguous registers in one request and splits at gaps", () => {
    const blocks = planReads(EPEVER_TRACER);
    expect(blocks.map((b) => [b.address.toString(16), b.length])).toEqual([
      ["3100", 8],
      ["310c", 7],
      ["311a", 1],
      ["3200", 2],
      ["3300", 20],
    ]);
  });

  it("decodes signed, 32-bit low-word-first, scaled, bit fields, floats and strings", () => {
    const block = (defs: RegisterDef[], address: number) => ({ function: "holding" as const, address, length: 8, defs });
    const def = (d: Partial<RegisterDef>): RegisterDef => ({ name: "x", address: 0, function: "holding", type: "uint16", ...d });
    expect(decode(def({ type: "int16", scale: 0.01 }), block([], 0), [0xfc18])).toBe(-10);
    expect(decode(def({ type: "uint32", wordOrder: "low-first", scale: 0.01 }), block([], 0), [0x3880, 0x0001])).toBe(800);
    expect(decode(def({ type: "uint32", wordOrder: "high-first" }), block([], 0), [0x0001, 0x2380])).toBe(0x12380);
    expect(decode(def({ bits: { shift: 2, mask: 3 } }), block([], 0), [0b1001])).toBe(2);
    expect(decode(def({ type: "float32", wordOrder: "high-first" }), block([], 0), [0x4148, 0x0000])).toBe(12.5);
    expect(decode(def({ type: "string", length: 2 }), block([], 0), [0x4142, 0x4300])).toBe("ABC");
    expect(decode(def({ address: 3, byteOrder: "little" }), block([], 2), [0, 0x3412])).toBe(0x1234);
  });
});

const flow = (url: string, extra: Record<string, unknown> = {}) => ({
  connections: [{ id: "dev", type: "modbus-device", config: { url, timeout: "300ms", retries: 1, ...extra } }],
  nodes: [
    { id: "poll", type: "modbus-read", config: { device: "dev", interval: "1h" }, wires: [["out"]] },
    { id: "out", type: "test-collect" },
    { id: "c", type: "catch", wires: [["errors"]] },
    { id: "errors", type: "test-collect" },
  ],
});
const nodes = { nodes: [modbusRead, catchNode], connections: [modbusDevice] };

describe("modbus-read against a Modbus TCP server", () => {
  it("emits a typed, nested reading with units", async () => {
    sim = await startEpeverSimulator({ now: () => Date.parse("2025-06-21T12:00:00Z"), timezone: "UTC" });
    t = await startTestFlow(flow(sim.url), nodes);
    const [msg] = await t.waitFor("out", 1);
    const p = msg!.payload as Record<string, Record<string, number>>;
    expect(p.pv_array!.power).toBeGreaterThan(250);
    expect(p.pv_array!.voltage).toBeGreaterThan(36);
    expect(p.battery!.soc).toBeGreaterThan(80);
    expect(p.controller!.charging_mode).toBe(1);
    expect(msg!.units).toMatchObject({ "pv_array.power": "W", "battery.voltage": "V", "battery.temperature": "°C" });
    expect(msg!.device).toMatchObject({ url: sim.url, unitId: 1, simulated: false });
    // One request per contiguous block.
    expect(sim.requests()).toBe(5);
  });

  it("an exception response sets status and goes to the error path; the flow keeps polling", async () => {
    sim = await startEpeverSimulator();
    sim.behave({ exception: 4 });
    t = await startTestFlow(flow(sim.url), nodes);
    const [err] = await t.waitFor("errors", 1);
    expect((err!.error as { message: string }).message).toMatch(/Modbus exception 4 \(server device failure\) reading 0x3100/);
    expect(t.engine.statuses().find((s) => s.nodeId === "poll")?.status).toMatchObject({ fill: "red" });
    sim.behave({ exception: null });
    await t.engine.trigger(t.flowId, "poll");
    await t.waitFor("out", 1);
  });

  it("a device slower than the timeout is a timeout error naming the address and device", async () => {
    sim = await startEpeverSimulator();
    sim.behave({ delayMs: 600 });
    t = await startTestFlow(flow(sim.url), nodes);
    const [err] = await t.waitFor("errors", 1, 8000);
    expect((err!.error as { message: string }).message).toBe(`Modbus timeout after 300 ms reading 0x3100 from 127.0.0.1:${sim.port} unit 1`);
  });

  it("a slow device within the timeout is read", async () => {
    sim = await startEpeverSimulator();
    sim.behave({ delayMs: 50 });
    t = await startTestFlow(flow(sim.url), nodes);
    await t.waitFor("out", 1);
  });

  it("reconnects after the connection drops", async () => {
    sim = await startEpeverSimulator();
    const port = sim.port;
    t = await startTestFlow(flow(sim.url), nodes);
    await t.waitFor("out", 1);
    await sim.close();
    await t.engine.trigger(t.flowId, "poll");
    await t.waitFor("errors", 1);
    sim = await startEpeverSimulator({ port });
    // Backoff is one second after the first failure: polls keep coming until one gets through.
    for (const end = Date.now() + 5_000; t.received("out").length < 2 && Date.now() < end; ) {
      await t.engine.trigger(t.flowId, "poll");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(t.received("out").length).toBeGreaterThanOrEqual(2);
  });

  it('with cluster "one", a runtime on its own polls at start and on every tick', async () => {
    sim = await startEpeverSimulator();
    const f = flow(sim.url);
    const poll = { ...f.nodes[0]!, config: { device: "dev", interval: "300ms", cluster: "one" } };
    t = await startTestFlow({ ...f, nodes: [poll, ...f.nodes.slice(1)] }, nodes);
    await t.waitFor("out", 4, 5000);
    // Five blocks per poll, each poll the gate let through read once.
    expect(sim.requests() % 5).toBe(0);
    expect(t.received("errors")).toHaveLength(0);
  });

  it("sim://epever runs the built-in simulator and says so", async () => {
    t = await startTestFlow(flow("sim://epever"), nodes);
    const [msg] = await t.waitFor("out", 1);
    expect(msg!.device).toMatchObject({ simulated: true });
    // Read in process, through the same register map and decoding as a device on a link.
    const p = msg!.payload as Record<string, Record<string, number>>;
    expect(p.battery!.soc).toBeGreaterThanOrEqual(0);
    expect(p.battery!.soc).toBeLessThanOrEqual(100);
    expect(typeof p.pv_array!.power).toBe("number");
    expect(t.engine.statuses().find((s) => s.nodeId === "poll")?.status.text).toMatch(/\(simulated\)$/);
  });

  it("refuses an unknown URL scheme at deploy with the connection named", async () => {
    t = await startTestFlow(flow("udp://x"), nodes);
    const status = t.events.find((e) => e.type === "status" && e.nodeId === "poll");
    expect(status).toMatchObject({ status: { fill: "red", text: expect.stringContaining('connection "dev" failed to start: unsupported Modbus URL udp://x') } });
  });
});
