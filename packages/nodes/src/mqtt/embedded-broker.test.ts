/**
 * The embedded broker beyond loopback: it must not start open to the network.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connect } from "node:net";
import mqtt from "mqtt";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import mqttBroker from "./connection.js";
import mqttIn from "./mqtt-in.js";
import { acquireEmbeddedBroker, type EmbeddedBroker } from "./embedded-broker.js";
import { freePort } from "../../../../test/services/ports.js";

let broker: EmbeddedBroker | undefined;
let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  await broker?.release();
  t = broker = undefined;
});

/** Whether something accepts TCP connections on the port. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

describe("embedded broker beyond loopback", () => {
  it("refuses to start on 0.0.0.0 without a user name and password, and binds nothing", async () => {
    const port = await freePort();
    for (const credentials of [{}, { username: "devices" }, { password: "s3cret-password" }]) {
      await expect(acquireEmbeddedBroker({ host: "0.0.0.0", port, wsPort: null, ...credentials })).rejects.toThrow(
        /refusing to start the embedded MQTT broker on 0\.0\.0\.0 \(MQTT_HOST\) without a user name and password.*Set MQTT_USER and MQTT_PASSWORD/,
      );
    }
    expect(await listening(port)).toBe(false);
  });

  it("starts on 0.0.0.0 with credentials and refuses clients without them", async () => {
    const port = await freePort();
    broker = await acquireEmbeddedBroker({ host: "0.0.0.0", port, wsPort: null, username: "devices", password: "s3cret-password" });
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password|Not authorized/);
    const ok = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: "devices", password: "s3cret-password", reconnectPeriod: 0 });
    expect(ok.connected).toBe(true);
    await ok.endAsync(true);
  });

  it("still starts open on loopback, as before", async () => {
    broker = await acquireEmbeddedBroker({ host: "127.0.0.1", port: 0, wsPort: null });
    const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    expect(c.connected).toBe(true);
    await c.endAsync(true);
  });

  it("fails the flow's node with the error when MQTT_HOST is 0.0.0.0 and MQTT_USER is unset", async () => {
    t = await startTestFlow(
      {
        connections: [{ id: "b", type: "mqtt-broker", config: { url: "embedded", username: "${MQTT_USER:-}", password: "${MQTT_PASSWORD:-}" } }],
        nodes: [{ id: "in", type: "mqtt-in", config: { broker: "b", topic: "#" } }],
      },
      { nodes: [mqttIn], connections: [mqttBroker], env: { MQTT_HOST: "0.0.0.0", MQTT_PORT: String(await freePort()), MQTT_WS_PORT: "off" } },
    );
    expect(t.engine.statuses().find((s) => s.nodeId === "in")?.status.fill).toBe("red");
    const errors = t.events.flatMap((e) => (e.type === "error" && e.nodeId === "in" ? [e.message] : []));
    expect(errors.join("\n")).toMatch(/refusing to start the embedded MQTT broker on 0\.0\.0\.0/);
  });
});
