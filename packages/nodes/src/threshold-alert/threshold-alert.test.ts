import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import thresholdAlert from "./index.js";

let t: TestFlow | undefined;
let store: Store;
beforeEach(async () => {
  store = openStore({ memory: true });
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await store.close();
});

const T0 = Date.parse("2025-06-01T12:00:00Z");
const MIN = 60_000;

const flow = (rules: Record<string, unknown>[]) => ({
  nodes: [
    { id: "alerts", type: "threshold-alert", config: { key: "payload.device_id", rules }, wires: [["raised"], ["cleared"]] },
    { id: "raised", type: "test-collect" },
    { id: "cleared", type: "test-collect" },
  ],
});
const outlet = { name: "high_outlet_temperature", path: "payload.temperature.outlet", op: "above", limit: 60, hysteresis: 2, severity: "critical", message: "outlet temperature {value} °C is above {threshold} °C" };

const start = (rules: Record<string, unknown>[]) => startTestFlow(flow(rules), { nodes: [thresholdAlert], store });
/** Sends readings one by one, each handled before the next. */
async function feed(readings: { device: string; at: number; outlet?: number; voltage?: number; cop?: number; running?: boolean }[]): Promise<void> {
  for (const r of readings) {
    const payload = { device_id: r.device, timestamp: new Date(T0 + r.at).toISOString(), temperature: { outlet: r.outlet }, electrical: { voltage: r.voltage }, cop: r.cop, compressor: { running: r.running } };
    expect(await t!.injectTracked("alerts", { payload })).toEqual({ outcome: "ack" });
  }
}
const payloads = (id: string) => t!.received(id).map((m) => m.payload as Record<string, unknown>);

describe("threshold-alert", () => {
  it("raises once while the value stays high and clears once past the hysteresis, per device", async () => {
    t = await start([outlet]);
    await feed([
      { device: "a", at: 0, outlet: 55 },
      { device: "a", at: MIN, outlet: 61 },
      { device: "b", at: MIN, outlet: 50 },
      { device: "a", at: 2 * MIN, outlet: 65 },
      { device: "a", at: 3 * MIN, outlet: 59 }, // below the limit but not 2 °C below: still raised
      { device: "b", at: 3 * MIN, outlet: 70 },
      { device: "a", at: 4 * MIN, outlet: 58 },
      { device: "a", at: 5 * MIN, outlet: 57 },
    ]);
    expect(payloads("raised")).toEqual([
      { device_id: "a", type: "high_outlet_temperature", severity: "critical", value: 61, threshold: 60, source: "rule", state: "raised", message: "outlet temperature 61 °C is above 60 °C", timestamp: new Date(T0 + MIN).toISOString(), since: new Date(T0 + MIN).toISOString() },
      expect.objectContaining({ device_id: "b", value: 70 }),
    ]);
    expect(payloads("cleared")).toEqual([expect.objectContaining({ device_id: "a", state: "cleared", value: 58, threshold: 58, raised_at: new Date(T0 + MIN).toISOString() })]);
  });

  it("raises only after the value stayed out of bounds for the minimum duration", async () => {
    t = await start([{ name: "low_voltage", path: "payload.electrical.voltage", op: "below", limit: 207, clear: 215, for: "5m" }]);
    await feed([
      { device: "a", at: 0, voltage: 200 },
      { device: "a", at: 3 * MIN, voltage: 230 }, // back before 5 minutes: nothing
      { device: "a", at: 4 * MIN, voltage: 200 },
      { device: "a", at: 8 * MIN, voltage: 201 },
      { device: "a", at: 9 * MIN, voltage: 199 },
    ]);
    expect(payloads("raised")).toEqual([expect.objectContaining({ type: "low_voltage", value: 199, since: new Date(T0 + 4 * MIN).toISOString(), timestamp: new Date(T0 + 9 * MIN).toISOString() })]);
    await feed([
      { device: "a", at: 10 * MIN, voltage: 210 }, // above the limit, below the clear level
      { device: "a", at: 11 * MIN, voltage: 216 },
    ]);
    expect(payloads("cleared")).toEqual([expect.objectContaining({ type: "low_voltage", value: 216, threshold: 215 })]);
  });

  it("outside a range, with rules skipped while a condition holds", async () => {
    t = await start([
      { name: "voltage_out_of_range", path: "payload.electrical.voltage", op: "outside", low: 207, high: 253 },
      { name: "low_cop", path: "payload.cop", op: "below", limit: 1.5, unless: [{ path: "payload.compressor.running", equals: false }] },
    ]);
    await feed([
      { device: "a", at: 0, voltage: 260, cop: 1.0, running: false },
      { device: "a", at: MIN, voltage: 230, cop: 1.2, running: true },
      { device: "a", at: 2 * MIN, voltage: 200 },
    ]);
    expect(payloads("raised").map((p) => [p.type, p.value, p.threshold])).toEqual([
      ["voltage_out_of_range", 260, 253],
      ["low_cop", 1.2, 1.5],
      ["voltage_out_of_range", 200, 207],
    ]);
    expect(payloads("cleared").map((p) => p.type)).toEqual(["voltage_out_of_range"]);
  });

  it("keeps raised alerts across a restart: not raised again, cleared once", async () => {
    t = await start([outlet]);
    await feed([{ device: "a", at: 0, outlet: 70 }]);
    expect(payloads("raised")).toHaveLength(1);
    await t.stop();
    t = await start([outlet]);
    await feed([
      { device: "a", at: MIN, outlet: 71 },
      { device: "a", at: 2 * MIN, outlet: 50 },
      { device: "a", at: 3 * MIN, outlet: 49 },
    ]);
    expect(payloads("raised")).toEqual([]);
    expect(payloads("cleared")).toEqual([expect.objectContaining({ device_id: "a", value: 50, raised_at: new Date(T0).toISOString() })]);
  });

  it("refuses a rule whose clear level is on the wrong side of its limit, naming the rule", async () => {
    t = await start([{ ...outlet, hysteresis: 0, clear: 65 }]);
    const failure = t.events.find((e) => e.type === "error" && "nodeId" in e && e.nodeId === "alerts");
    expect(failure && "message" in failure ? failure.message : "").toMatch(/rules\/0 \(high_outlet_temperature\): clear 65 must be on the normal side of limit 60/);
  });
});
