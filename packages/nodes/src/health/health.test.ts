import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow, until } from "@wattflow/runtime/testing";
import { mosquittoAvailable, startMosquitto, type Mosquitto } from "../../../../test/services/mosquitto.js";
import { freePort } from "../../../../test/services/ports.js";
import mqttBroker from "../mqtt/connection.js";
import influxdb from "../influx/connection.js";
import influxWrite from "../influx/write.js";
import healthCheck, { type HealthReport } from "./index.js";

let t: TestFlow | undefined;
let broker: Mosquitto | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await broker?.close();
  broker = undefined;
});

const defs = { nodes: [healthCheck, influxWrite], connections: [mqttBroker, influxdb] };

async function ask(flow: TestFlow): Promise<{ statusCode: number; health: HealthReport }> {
  const before = flow.received("out").length;
  flow.inject("check", { payload: null });
  const [msg] = (await flow.waitFor("out", before + 1)).slice(before);
  return msg as unknown as { statusCode: number; health: HealthReport };
}


describe("health-check", () => {
  it("reports an InfluxDB that does not answer as down with its writer's outbox, and one without a URL as off", async () => {
    const closed = await freePort();
    t = await startTestFlow(
      {
        connections: [
          { id: "influx", type: "influxdb", config: { url: `http://127.0.0.1:${closed}`, version: "v1", database: "nowhere" } },
          { id: "none", type: "influxdb", config: { url: "" } },
        ],
        nodes: [
          { id: "w", type: "influx-write", config: { server: "influx", measurement: "m", flushInterval: "10ms", retries: 0, maxRetryDelay: "1h", outboxLimit: 10 } },
          { id: "check", type: "health-check", config: { influx: "influx" }, wires: [["out"]] },
          { id: "off", type: "health-check", config: { influx: "none" }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      defs,
    );
    for (let i = 0; i < 9; i++) expect((await t.injectTracked("w", { payload: { v: i } })).outcome).toBe("ack");
    const { statusCode, health } = await ask(t);
    expect(statusCode).toBe(503);
    expect(health.status).toBe("degraded");
    expect(health.checks.store).toEqual({ status: "up", detail: "answers" });
    expect(health.checks.influxdb).toMatchObject({
      status: "down",
      detail: expect.stringMatching(/^away: InfluxDB write to .* unreachable \(ECONNREFUSED\)/),
      outboxes: [{ name: "influx:test/w", depth: 9, limit: 10, dropped: 0, oldest_seconds: expect.any(Number) }],
    });
    // Every failed attempt is an error, so an outage shows in the error count: one so far, the next waits out the backoff.
    expect(t.engine.stats().find((s) => s.nodeId === "w")!.errors).toBe(1);

    t.inject("off", { payload: null });
    const [, off] = await t.waitFor("out", 2);
    expect(off).toMatchObject({ statusCode: 200, health: { status: "healthy", checks: { influxdb: { status: "off", detail: "off: no url" } } } });
  });

  it.skipIf(!mosquittoAvailable)("follows the MQTT broker: 503 while it is stopped, counted reconnects, 200 once it is back", async () => {
    broker = await startMosquitto();
    t = await startTestFlow(
      {
        connections: [{ id: "broker", type: "mqtt-broker", config: { url: broker.url, clean: true, reconnectPeriod: "100ms", maxReconnectPeriod: "200ms" } }],
        nodes: [
          { id: "check", type: "health-check", config: { broker: "broker" }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      defs,
    );
    await until(async () => (await ask(t!)).statusCode === 200);
    expect((await ask(t)).health.checks.mqtt).toMatchObject({ status: "up", detail: "connected", reconnects: 0 });
    await broker.stop();
    await until(async () => (await ask(t!)).statusCode === 503);
    const down = await ask(t);
    expect(down.health.status).toBe("degraded");
    expect(down.health.checks.mqtt.status).toBe("down");
    expect(down.health.checks.mqtt.detail).toMatch(/^(offline|reconnecting)/);
    await broker.start();
    await until(async () => (await ask(t!)).statusCode === 200);
    expect(((await ask(t)).health.checks.mqtt.reconnects as number)).toBeGreaterThanOrEqual(1);
    expect((await t.engine.connectionStats())[0]).toMatchObject({ connectionId: "broker", type: "mqtt-broker", health: { status: "up" } });
  });
});
