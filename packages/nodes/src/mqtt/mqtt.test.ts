/**
 * mqtt-in / mqtt-out against real brokers: the embedded aedes (TCP and
 * WebSocket) and a Mosquitto started by the test.
 */
import { afterEach, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { defineNode, Type } from "@wattflow/runtime";
import { startTestFlow, type TestFlow, until } from "@wattflow/runtime/testing";
import catchNode from "../catch/index.js";
import mqttBroker from "./connection.js";
import mqttIn from "./mqtt-in.js";
import mqttOut from "./mqtt-out.js";
import { freePort } from "../../../../test/services/ports.js";
import { mosquittoAvailable, startMosquitto, type Mosquitto } from "../../../../test/services/mosquitto.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function client(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 200, ...options });
  cleanups.push(() => c.endAsync(true));
  return c;
}

async function flow(doc: Parameters<typeof startTestFlow>[0], env: Record<string, string> = {}, extraNodes: Parameters<typeof startTestFlow>[1]["nodes"] = []): Promise<TestFlow> {
  const t = await startTestFlow(doc, { nodes: [mqttIn, mqttOut, catchNode, ...(extraNodes ?? [])], connections: [mqttBroker], env });
  cleanups.push(() => t.stop());
  return t;
}


const status = (t: TestFlow, id: string) => t.engine.statuses().find((s) => s.nodeId === id)?.status;

describe("on the embedded broker", () => {
  it("receives JSON with named topic segments; bad payloads are counted and routed, the rest flow on", async () => {
    const port = await freePort();
    const t = await flow(
      {
        connections: [{ id: "b", type: "mqtt-broker", config: { url: "embedded" } }],
        nodes: [
          { id: "in", type: "mqtt-in", config: { broker: "b", topic: "heatpump/{device_id}/data", qos: 1 }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
          { id: "c", type: "catch", wires: [["errors"]] },
          { id: "errors", type: "test-collect" },
        ],
      },
      { MQTT_PORT: String(port), MQTT_WS_PORT: "off" },
    );
    await until(() => status(t, "in")?.fill === "green", 5000, "subscribed");
    const device = await client(`mqtt://127.0.0.1:${port}`);
    await device.publishAsync("heatpump/site1/data", JSON.stringify({ temperature: { inlet: 45 } }), { qos: 1 });
    await device.publishAsync("heatpump/site1/data", "not json", { qos: 1 });
    await device.publishAsync("heatpump/site1/data", Buffer.from([0x7b, 0xff, 0x7d]), { qos: 1 });
    await device.publishAsync("heatpump/site1/data", Buffer.alloc(1024 * 1024, 0x20), { qos: 1 });
    await device.publishAsync("heatpump/site2/data", JSON.stringify({ electrical: { voltage: 230 } }), { qos: 0 });
    const out = await t.waitFor("out", 2);
    expect(out.map((m) => [m.topic, m.params, m.payload])).toEqual([
      ["heatpump/site1/data", { device_id: "site1" }, { temperature: { inlet: 45 } }],
      ["heatpump/site2/data", { device_id: "site2" }, { electrical: { voltage: 230 } }],
    ]);
    const errors = await t.waitFor("errors", 3);
    expect(errors.map((e) => (e.error as { message: string }).message)).toEqual([
      expect.stringMatching(/^heatpump\/site1\/data: payload is not JSON \(.+\): not json$/),
      "heatpump/site1/data: payload is not valid UTF-8",
      "heatpump/site1/data: payload is 1048576 bytes, over the 262144-byte limit",
    ]);
    await until(() => /3 refused/.test(status(t, "in")?.text ?? ""), 3000, "refusals counted");
  });

  it("publishes with topics filled from the message, and serves MQTT over WebSocket", async () => {
    const port = await freePort();
    const wsPort = await freePort();
    const t = await flow(
      {
        connections: [{ id: "b", type: "mqtt-broker", config: { url: "embedded" } }],
        nodes: [{ id: "cmd", type: "mqtt-out", config: { broker: "b", topic: "HyperVolt/commands/{params.device_id}", qos: 1 } }],
      },
      { MQTT_PORT: String(port), MQTT_WS_PORT: String(wsPort) },
    );
    const dashboard = await client(`ws://127.0.0.1:${wsPort}`);
    await dashboard.subscribeAsync("HyperVolt/commands/#", { qos: 1 });
    const got = new Promise<[string, string]>((resolve) => dashboard.once("message", (topic, payload) => resolve([topic, payload.toString()])));
    const done = await t.injectTracked("cmd", { params: { device_id: "pi-1" }, payload: { command: "set_brightness", value: 75 } });
    expect(done.outcome).toBe("ack");
    expect(await got).toEqual(["HyperVolt/commands/pi-1", '{"command":"set_brightness","value":75}']);
  });

  it("requires the connection's credentials of every client when they are set", async () => {
    const port = await freePort();
    await flow(
      {
        connections: [{ id: "b", type: "mqtt-broker", config: { url: "embedded", username: "heatpump", password: "s3cret" } }],
        nodes: [{ id: "in", type: "mqtt-in", config: { broker: "b", topic: "#" } }],
      },
      { MQTT_PORT: String(port), MQTT_WS_PORT: "off" },
    );
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: "heatpump", password: "wrong", reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password|Not authorized/);
    const ok = await client(`mqtt://127.0.0.1:${port}`, { username: "heatpump", password: "s3cret" });
    expect(ok.connected).toBe(true);
  });
});

/** A node that takes messages and finishes none of them: a flow that dies mid-work. */
const stuck = defineNode({
  type: "test-stuck",
  category: "test",
  summary: "never completes a message",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  concurrency: 100_000,
  create() {
    return { input() {} };
  },
});

describe.skipIf(!mosquittoAvailable)("on Mosquitto", () => {
  let broker: Mosquitto;
  const start = async (persistence = false) => {
    broker = await startMosquitto({ persistence });
    cleanups.push(() => broker.close());
    return broker;
  };
  const subscriberFlow = (sink: string, clientId: string) => ({
    connections: [{ id: "b", type: "mqtt-broker", config: { url: broker.url, clientId, clean: false, reconnectPeriod: "100ms", maxReconnectPeriod: "500ms" } }],
    nodes: [
      { id: "in", type: "mqtt-in", config: { broker: "b", topic: "meters/{id}/reading", qos: 1 }, wires: [[sink]] },
      { id: sink, type: sink === "hold" ? "test-stuck" : "test-collect" },
    ],
  });

  it("acknowledges QoS 1 only after the flow handled a message: what a dead flow held comes back", async () => {
    await start();
    const first = await flow(subscriberFlow("hold", "meter-ingest"), {}, [stuck]);
    await until(() => status(first, "in")?.fill === "green", 5000, "subscribed");
    const device = await client(broker.url);
    for (let i = 0; i < 50; i++) await device.publishAsync("meters/m1/reading", JSON.stringify({ i }), { qos: 1 });
    await until(() => (first.engine.stats().find((s) => s.nodeId === "hold")?.received ?? 0) >= 20, 5000, "held");
    await first.stop();

    const second = await flow(subscriberFlow("out", "meter-ingest"));
    const got = await second.waitFor("out", 50, 10_000);
    expect(new Set(got.map((m) => (m.payload as { i: number }).i)).size).toBe(50);
  });

  it("a persistent session's backlog waits for the flow's nodes: a slow node to start loses nothing", async () => {
    await start();
    const session = await client(broker.url, { clientId: "backlog-ingest", clean: false });
    await session.subscribeAsync("meters/+/reading", { qos: 1 });
    await session.endAsync();
    const device = await client(broker.url);
    for (let i = 0; i < 100; i++) await device.publishAsync("meters/m1/reading", JSON.stringify({ i }), { qos: 1 });
    const slowStart = defineNode({
      type: "test-slow-start",
      category: "test",
      summary: "takes a while to start",
      config: Type.Object({}),
      inputs: 1,
      outputs: [],
      create: () => ({ start: () => new Promise<void>((r) => setTimeout(r, 500)), input: (_m, _s, done) => done() }),
    });
    const doc = subscriberFlow("out", "backlog-ingest");
    const t = await flow({ ...doc, nodes: [{ id: "slow", type: "test-slow-start" }, ...doc.nodes] }, {}, [slowStart]);
    const got = await t.waitFor("out", 100, 10_000);
    expect(got.map((m) => (m.payload as { i: number }).i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("the window of unacknowledged messages is the broker's with MQTT 3.1.1 and receiveMaximum with MQTT 5", async () => {
    await start();
    const t = await flow(
      {
        connections: [
          { id: "v4", type: "mqtt-broker", config: { url: broker.url } },
          { id: "v5", type: "mqtt-broker", config: { url: broker.url, protocolVersion: 5, receiveMaximum: 50 } },
        ],
        nodes: [
          { id: "in4", type: "mqtt-in", config: { broker: "v4", topic: "w/4", qos: 1 }, wires: [["seen4", "hold"]] },
          { id: "in5", type: "mqtt-in", config: { broker: "v5", topic: "w/5", qos: 1 }, wires: [["seen5", "hold"]] },
          { id: "seen4", type: "test-collect" },
          { id: "seen5", type: "test-collect" },
          { id: "hold", type: "test-stuck" },
        ],
      },
      {},
      [stuck],
    );
    await until(() => status(t, "in4")?.fill === "green" && status(t, "in5")?.fill === "green", 5000, "subscribed");
    const device = await client(broker.url);
    await Promise.all(Array.from({ length: 200 }, (_, i) => device.publishAsync(`w/${i % 2 ? 5 : 4}`, JSON.stringify({ i }), { qos: 1 })));
    await t.waitFor("seen5", 50, 5000);
    await new Promise((r) => setTimeout(r, 300));
    // Mosquitto's max_inflight_messages is 20 by default; nothing more arrives while those are unacknowledged.
    expect(t.received("seen4")).toHaveLength(20);
    expect(t.received("seen5")).toHaveLength(50);
  });

  it("a broker restarted mid-stream: the flow reconnects and no QoS 1 message is lost", async () => {
    await start(true);
    const t = await flow(subscriberFlow("out", "restart-ingest"));
    await until(() => status(t, "in")?.fill === "green", 5000, "subscribed");
    const device = await client(broker.url, { clientId: "meter-device", clean: false });
    const total = 400;
    const publishing = (async () => {
      for (let i = 0; i < total; i++) {
        // mqtt.js keeps unacknowledged QoS 1 messages and sends them again after it reconnects.
        await device.publishAsync("meters/m1/reading", JSON.stringify({ i }), { qos: 1 });
      }
    })();
    await until(() => t.received("out").length >= 100, 10_000, "first hundred");
    await broker.stop("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    await broker.start();
    await publishing;
    await until(() => new Set(t.received("out").map((m) => (m.payload as { i: number }).i)).size === total, 15_000, "every message").catch((e) => {
      const got = new Set(t.received("out").map((m) => (m.payload as { i: number }).i));
      console.log("got", got.size, "missing", [...Array(total).keys()].filter((i) => !got.has(i)).slice(0, 50), status(t, "in"));
      throw e;
    });
    expect(status(t, "in")?.fill).toBe("green");
  });

  it("two flows in one shared subscription split the stream: each message reaches exactly one", async () => {
    await start();
    const member = (sink: string) => ({
      // Two runtimes of one flow on one broker: each needs a session of its own.
      connections: [{ id: "b", type: "mqtt-broker", config: { url: broker.url, clientId: `member-${sink}` } }],
      nodes: [
        { id: "in", type: "mqtt-in", config: { broker: "b", topic: "$share/ingest/meters/{id}/reading", qos: 1 }, wires: [[sink]] },
        { id: sink, type: "test-collect" },
      ],
    });
    const a = await flow(member("a"));
    const b = await flow(member("b"));
    await until(() => status(a, "in")?.fill === "green" && status(b, "in")?.fill === "green", 5000, "both subscribed");
    const device = await client(broker.url);
    for (let i = 0; i < 100; i++) await device.publishAsync(`meters/m${i % 5}/reading`, JSON.stringify({ i }), { qos: 1 });
    await until(() => a.received("a").length + b.received("b").length >= 100, 10_000, "all delivered");
    const ids = [...a.received("a"), ...b.received("b")].map((m) => (m.payload as { i: number }).i);
    expect(ids.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a.received("a").length).toBeGreaterThan(0);
    expect(b.received("b").length).toBeGreaterThan(0);
    expect(a.received("a")[0]!.params).toEqual({ id: expect.stringMatching(/^m\d$/) });
  });

  it("mqtt-out holds messages while the broker is away and publishes them when it returns", async () => {
    await start(true);
    const t = await flow({
      connections: [{ id: "b", type: "mqtt-broker", config: { url: broker.url, reconnectPeriod: "100ms", maxReconnectPeriod: "300ms" } }],
      nodes: [{ id: "out", type: "mqtt-out", config: { broker: "b", topic: "alerts/x", qos: 1 } }],
    });
    await until(() => t.engine.statuses().length >= 0 && true);
    const watcher = await client(broker.url, { clientId: "watcher", clean: false });
    await watcher.subscribeAsync("alerts/#", { qos: 1 });
    const seen: string[] = [];
    watcher.on("message", (_topic, payload) => seen.push(payload.toString()));
    await broker.stop("SIGTERM");
    const pending = [1, 2, 3].map((n) => t.injectTracked("out", { payload: { n } }));
    await new Promise((r) => setTimeout(r, 300));
    await broker.start();
    const outcomes = await Promise.all(pending);
    expect(outcomes.map((o) => o.outcome)).toEqual(["ack", "ack", "ack"]);
    await until(() => seen.length >= 3, 10_000, "delivered");
    expect(seen.sort()).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  });
});
