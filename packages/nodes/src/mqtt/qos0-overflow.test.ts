/**
 * QoS 0 messages have no acknowledgement to hold back, so a flood can't be
 * slowed down at the broker: while the flow is full they are dropped and
 * counted, and memory stays bounded.
 */
import { afterEach, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { defineNode, Type } from "@wattflow/runtime";
import { startTestFlow, type TestFlow, until } from "@wattflow/runtime/testing";
import mqttBroker from "./connection.js";
import mqttIn from "./mqtt-in.js";
import { freePort } from "../../../../test/services/ports.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});


/** Takes one message at a time, slowly: a sink that can't keep up with a flood. */
const slow = defineNode({
  type: "test-slow-sink",
  category: "test",
  summary: "done after 5 ms, one at a time",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  concurrency: 1,
  create() {
    return { input: (_msg, _send, done) => void setTimeout(() => done(), 5) };
  },
});

describe("mqtt-in QoS 0 under a flood", () => {
  it("drops and counts what arrives while the flow is full, instead of holding it without a bound", async () => {
    const port = await freePort();
    const t: TestFlow = await startTestFlow(
      {
        id: "flood",
        connections: [{ id: "b", type: "mqtt-broker", config: { url: "embedded" } }],
        nodes: [
          { id: "in", type: "mqtt-in", config: { broker: "b", topic: "dev/+/data", qos: 0 }, wires: [["sink"]] },
          { id: "sink", type: "test-slow-sink", queue: { size: 10 } },
        ],
      },
      { nodes: [mqttIn, slow], connections: [mqttBroker], env: { MQTT_PORT: String(port), MQTT_WS_PORT: "off" } },
    );
    cleanups.push(() => t.stop());
    await until(() => t.engine.statuses().some((s) => s.nodeId === "in" && s.status.fill === "green"));
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    cleanups.push(() => device.endAsync(true));

    const sent = 2000;
    let maxHeld = 0;
    const stat = (id: string) => t.engine.stats().find((s) => s.nodeId === id)!;
    const sample = setInterval(() => (maxHeld = Math.max(maxHeld, stat("in").held ?? 0)), 5);
    for (let i = 0; i < sent; i++) device.publish("dev/a/data", JSON.stringify({ i }), { qos: 0 });
    try {
      await until(() => stat("in").received + stat("in").rejected >= sent || stat("sink").received + stat("in").rejected >= sent);
      await until(() => stat("sink").queued === 0 && (stat("in").held ?? 0) === 0);
    } finally {
      clearInterval(sample);
    }
    const dropped = stat("in").rejected;
    // The slow sink took only part of the flood; the rest was dropped and counted, none lost without a count.
    expect(dropped).toBeGreaterThan(0);
    expect(stat("sink").received + dropped).toBe(sent);
    // At most what one send holds waits beyond the sink's queue.
    expect(maxHeld).toBeLessThanOrEqual(1);
  });
});
