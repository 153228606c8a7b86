/**
 * The broker session outlives the process and restarts of its nodes: what
 * mqtt-in tells Mosquitto (or does not) when the runtime stops, when a node
 * restarts in a redeploy, and when a node leaves its flow.
 */
import { afterEach, describe, expect, it } from "vitest";
import mqtt, { type MqttClient, type Packet } from "mqtt";
import { defineNode, Type } from "@wattflow/runtime";
import { startTestFlow, type TestFlow, type TestFlowInput } from "@wattflow/runtime/testing";
import mqttBroker, { type MqttBroker } from "./connection.js";
import mqttIn from "./mqtt-in.js";
import { mosquittoAvailable, startMosquitto, type Mosquitto } from "../../../../test/services/mosquitto.js";
import { slowNode } from "../../../../test/fakes/slow-node.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

/** Every packet the flow's session wrote to the broker, as "cmd" or "unsubscribe <topics>". */
let sent: string[] = [];
const packetSpy = defineNode({
  type: "test-packet-spy",
  category: "test",
  summary: "records the packets a broker connection sends",
  config: Type.Object({ broker: Type.String() }),
  inputs: 0,
  outputs: [],
  create(node, c) {
    node.connection<MqttBroker>(c.broker).session.client.on("packetsend", (p: Packet) => {
      sent.push(p.cmd === "unsubscribe" ? `unsubscribe ${p.unsubscriptions.join(",")}` : p.cmd);
    });
    return {};
  },
});

/** Passes messages on one at a time, slowly: a node with a queue when the runtime stops or a redeploy removes it. */
const slow = slowNode(25);

async function flow(doc: TestFlowInput): Promise<TestFlow> {
  const t = await startTestFlow(doc, { nodes: [mqttIn, packetSpy, slow], connections: [mqttBroker] });
  cleanups.push(() => t.stop());
  return t;
}

async function device(url: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId: `device-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 200 });
  cleanups.push(() => c.endAsync(true));
  return c;
}

const until = async (check: () => boolean, what: string, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const subscribed = (t: TestFlow, id = "in"): boolean => t.engine.statuses().find((s) => s.nodeId === id)?.status.fill === "green";
const ids = (t: TestFlow, sink = "out"): number[] => t.received(sink).map((m) => (m.payload as { i: number }).i);

describe.skipIf(!mosquittoAvailable)("the MQTT session across stops and redeploys (Mosquitto)", () => {
  let broker: Mosquitto;
  const meterFlow = (inConfig: Record<string, unknown> = {}, via: "direct" | "slow" = "direct"): TestFlowInput => ({
    id: "meters",
    // The defaults under test: no clientId, no clean setting.
    connections: [{ id: "b", type: "mqtt-broker", config: { url: broker.url, reconnectPeriod: "100ms" } }],
    nodes: [
      { id: "spy", type: "test-packet-spy", config: { broker: "b" } },
      { id: "in", type: "mqtt-in", config: { broker: "b", topic: "meters/{id}/reading", qos: 1, ...inConfig }, wires: [[via === "slow" ? "slow" : "out"]] },
      { id: "slow", type: "test-slow", wires: [["out"]] },
      { id: "out", type: "test-collect" },
    ],
  });

  afterEach(() => {
    sent = [];
  });

  it("a stopping runtime keeps its session: no UNSUBSCRIBE, and what is published while it is down arrives after the restart", async () => {
    broker = await startMosquitto();
    cleanups.push(() => broker.close());
    const first = await flow(meterFlow());
    await until(() => subscribed(first), "subscribed");
    await first.stop();
    expect(sent).toContain("subscribe");
    expect(sent.filter((p) => p.startsWith("unsubscribe"))).toEqual([]);

    const meter = await device(broker.url);
    for (let i = 0; i < 100; i++) await meter.publishAsync("meters/m1/reading", JSON.stringify({ i }), { qos: 1 });
    const second = await flow(meterFlow());
    await second.waitFor("out", 100, 10_000);
    expect(ids(second)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("messages still queued in the flow when the runtime stops are not acknowledged: the next run gets them", async () => {
    broker = await startMosquitto();
    cleanups.push(() => broker.close());
    const total = 60;
    const first = await flow(meterFlow({}, "slow"));
    await until(() => subscribed(first), "subscribed");
    const meter = await device(broker.url);
    for (let i = 0; i < total; i++) await meter.publishAsync("meters/m1/reading", JSON.stringify({ i }), { qos: 1 });
    await first.waitFor("out", 5, 5000);
    await first.stop();
    const handledFirst = new Set(ids(first));
    expect(handledFirst.size).toBeLessThan(total);

    const second = await flow(meterFlow());
    await until(() => new Set([...handledFirst, ...ids(second)]).size === total, "every message handled by one run or the other");
    // Those the first run finished were acknowledged and do not come again.
    expect(ids(second).filter((i) => handledFirst.has(i)).length).toBeLessThanOrEqual(1);
  });

  it("a node restarted by a redeploy keeps the subscription; one whose topic changed or that was removed gives it up", async () => {
    broker = await startMosquitto();
    cleanups.push(() => broker.close());
    const t = await flow(meterFlow());
    await until(() => subscribed(t), "subscribed");
    const meter = await device(broker.url);

    const diff = await t.redeploy(meterFlow({ format: "auto" }));
    expect(diff.changed).toContain("in");
    for (let i = 0; i < 20; i++) await meter.publishAsync("meters/m1/reading", JSON.stringify({ i }), { qos: 1 });
    await t.waitFor("out", 20, 5000);
    expect(sent.filter((p) => p.startsWith("unsubscribe"))).toEqual([]);

    await t.redeploy(meterFlow({ topic: "meters/{id}/state" }));
    await until(() => sent.includes("unsubscribe meters/+/reading"), "old topic unsubscribed", 3000);

    const doc = meterFlow({ topic: "meters/{id}/state" });
    await t.redeploy({ ...doc, nodes: doc.nodes.filter((n) => n.id !== "in") });
    await until(() => sent.includes("unsubscribe meters/+/state"), "removed node's topic unsubscribed", 3000);
  });

  it("a broker that forgot the session (restarted without persistence) is given the subscriptions again", async () => {
    broker = await startMosquitto();
    cleanups.push(() => broker.close());
    const t = await flow(meterFlow());
    await until(() => subscribed(t), "subscribed");
    await broker.stop("SIGKILL");
    await broker.start();
    const meter = await device(broker.url);
    // Published until one arrives: the subscription comes back right after the reconnect, not before it.
    for (let i = 0; t.received("out").length === 0; i++) {
      if (i > 100) throw new Error("nothing arrived after the broker came back");
      await meter.publishAsync("meters/m1/reading", JSON.stringify({ i }), { qos: 1 });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(sent.filter((p) => p === "subscribe").length).toBe(2);
  });
});
