import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import haSensor from "./sensor.js";
import homeAssistant from "./connection.js";
import catchNode from "../catch/index.js";
import { startHaSimulator, type RunningHaSimulator } from "./simulator.js";

let t: TestFlow | undefined;
let ha: RunningHaSimulator | undefined;
afterEach(async () => {
  await t?.stop();
  await ha?.close();
  t = ha = undefined;
});

const flow = (url: string, token: string, extra: Record<string, unknown> = {}) => ({
  connections: [{ id: "ha", type: "home-assistant", config: { url, token } }],
  nodes: [
    { id: "s", type: "ha-sensor", config: { server: "ha", entity: "sensor.house_power", interval: "1h", ...extra }, wires: [["out"]] },
    { id: "out", type: "test-collect" },
    { id: "c", type: "catch", wires: [["errors"]] },
    { id: "errors", type: "test-collect" },
  ],
});
const defs = { nodes: [haSensor, catchNode], connections: [homeAssistant] };
const status = () => t!.engine.statuses().find((s) => s.nodeId === "s")?.status;

describe("ha-sensor against Home Assistant's API", () => {
  it("reads the state in watts, converting kW", async () => {
    ha = await startHaSimulator({ token: "secret-token" });
    t = await startTestFlow(flow(ha.url, "secret-token"), defs);
    const [w] = await t.waitFor("out", 1);
    expect((w!.payload as { power_w: number }).power_w).toBeGreaterThan(100);
    ha.override({ unit: "kW", state: "1.234" });
    await t.engine.trigger(t.flowId, "s");
    const [, kw] = await t.waitFor("out", 2);
    expect(kw!.payload).toMatchObject({ power_w: 1234 });
    expect(kw!.source).toMatchObject({ state: "1.234", unit: "kW", via: "poll" });
  });

  it('with cluster "one", a runtime on its own reads at start and on every tick', async () => {
    ha = await startHaSimulator({ token: "x" });
    t = await startTestFlow(flow(ha.url, "x", { interval: "300ms", cluster: "one" }), defs);
    await t.waitFor("out", 4, 5000);
    expect(t.received("errors")).toHaveLength(0);
  });

  it("unavailable and unknown are reported, never turned into zero", async () => {
    ha = await startHaSimulator({ token: "x" });
    ha.override({ state: "unavailable" });
    t = await startTestFlow(flow(ha.url, "x"), defs);
    // The first poll at start has seen "unavailable" once the status says so.
    for (const end = Date.now() + 5_000; !/\(1 skipped\)/.test(status()?.text ?? "") && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    expect(status()).toMatchObject({ fill: "yellow", text: "sensor.house_power is unavailable (1 skipped)" });
    ha.override({ state: "unknown" });
    await t.engine.trigger(t.flowId, "s");
    expect(t.received("out")).toHaveLength(0);
    expect(status()).toMatchObject({ fill: "yellow", text: "sensor.house_power is unknown (2 skipped)" });
    ha.override({ state: "on" });
    await t.engine.trigger(t.flowId, "s");
    expect(((await t.waitFor("errors", 1))[0]!.error as { message: string }).message).toBe('sensor.house_power reported a non-numeric state "on"');
  });

  it("a bad token, an unknown entity, a server error and a server that is down are errors that never show the token", async () => {
    ha = await startHaSimulator({ token: "right-token" });
    t = await startTestFlow(flow(ha.url, "wrong-token"), defs);
    const [e1] = await t.waitFor("errors", 1);
    expect((e1!.error as { message: string }).message).toBe("Home Assistant refused the token (401): check HA_TOKEN");
    await t.stop();
    t = await startTestFlow(flow(ha.url, "right-token", { entity: "sensor.nope" }), defs);
    expect(((await t.waitFor("errors", 1))[0]!.error as { message: string }).message).toBe("Home Assistant has no entity sensor.nope (404)");
    await t.stop();
    t = await startTestFlow(flow(ha.url, "right-token"), defs);
    await t.waitFor("out", 1);
    ha.override({ status: 503 });
    await t.engine.trigger(t.flowId, "s");
    expect(((await t.waitFor("errors", 1))[0]!.error as { message: string }).message).toBe("Home Assistant answered 503 for sensor.house_power");
    await ha.close();
    ha = undefined;
    await t.engine.trigger(t.flowId, "s");
    const all = await t.waitFor("errors", 2);
    expect((all[1]!.error as { message: string }).message).toMatch(/^Home Assistant at 127\.0\.0\.1:\d+ unreachable/);
    expect(JSON.stringify(t.events)).not.toContain("right-token");
  });

  it("subscribes to state changes over the WebSocket API", async () => {
    ha = await startHaSimulator({ token: "t", pushEverySeconds: 0.05 });
    t = await startTestFlow(flow(ha.url, "t", { subscribe: true }), defs);
    await t.waitFor("out", 4);
    expect(t.received("out").some((m) => (m.source as { via: string }).via === "push")).toBe(true);
  });
});
