/**
 * `group` on mqtt-in: runtimes in one shared-subscription group split the
 * stream (Mosquitto 2, MQTT 3.1.1 and 5), each with a session of its own;
 * what the embedded broker does with the same subscription; `partition`,
 * which places each device on one runtime; and MQTT 5 sessions that outlive
 * their connection.
 */
import { afterEach, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { defineNode, Type } from "@wattflow/runtime";
import { startTestFlow, type TestFlow, type TestFlowInput } from "@wattflow/runtime/testing";
import mqttBroker, { clientIds, type MqttBroker } from "./connection.js";
import mqttIn from "./mqtt-in.js";
import { parsePartition } from "./partition.js";
import { parseTopicPattern } from "./topic.js";
import { acquireEmbeddedBroker, type EmbeddedBroker } from "./embedded-broker.js";
import { mosquittoAvailable, startMosquitto } from "../../../../test/services/mosquitto.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

/** The sessions of the flows started here, by instance, for their client ids. */
const sessions = new Map<string, MqttBroker["session"]>();
const sessionSpy = defineNode({
  type: "test-session-spy",
  category: "test",
  summary: "keeps a reference to a broker connection's session",
  config: Type.Object({ broker: Type.String(), instance: Type.String() }),
  inputs: 0,
  outputs: [],
  create(node, c) {
    sessions.set(c.instance, node.connection<MqttBroker>(c.broker).session);
    return {};
  },
});

/** One "runtime": a flow whose connection names its instance through the flow's env default. */
async function runtime(url: string, instance: string, protocolVersion: 4 | 5, group: string | undefined, extra: Record<string, unknown> = {}): Promise<TestFlow> {
  const doc: TestFlowInput = {
    id: "ingest",
    // Port 0: an embedded broker (when asked for) takes a free port.
    env: { WATTFLOW_INSTANCE: instance, MQTT_PORT: "0", MQTT_WS_PORT: "off" },
    connections: [{ id: "b", type: "mqtt-broker", config: { url, reconnectPeriod: "100ms", protocolVersion } }],
    nodes: [
      { id: "in", type: "mqtt-in", config: { broker: "b", topic: "meters/{id}/reading", qos: 1, ...(group ? { group } : {}), ...extra }, wires: [["out"]] },
      { id: "out", type: "test-collect" },
      { id: "spy", type: "test-session-spy", config: { broker: "b", instance } },
    ],
  };
  const t = await startTestFlow(doc, { nodes: [mqttIn, sessionSpy], connections: [mqttBroker] });
  cleanups.push(() => t.stop());
  return t;
}

const connected = (t: TestFlow): boolean => t.engine.statuses().find((s) => s.nodeId === "in")?.status.fill === "green";
const ids = (t: TestFlow): number[] => t.received("out").map((m) => (m.payload as { i: number }).i);

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function publishAll(url: string, count: number): Promise<void> {
  const device: MqttClient = await mqtt.connectAsync(url, { clientId: `device-${Math.random().toString(16).slice(2, 8)}` });
  cleanups.push(() => device.endAsync(true));
  await Promise.all(Array.from({ length: count }, (_, i) => device.publishAsync(`meters/m${i % 5}/reading`, JSON.stringify({ i }), { qos: 1 })));
}

describe("client ids", () => {
  it("keep a lone runtime's id, add the instance when one is given or when the connection shares a group", () => {
    expect(clientIds("", "wattflow-f-b", undefined).plain).toBe("wattflow-f-b");
    expect(clientIds("", "wattflow-f-b", undefined).shared).toMatch(/^wattflow-f-b-.+-\d+$/);
    expect(clientIds("", "wattflow-f-b", "r2")).toEqual({ plain: "wattflow-f-b-r2" });
    expect(clientIds("mine", "wattflow-f-b", "r2")).toEqual({ plain: "mine" });
  });

  it("refuses a group together with a $share/ topic, naming both", async () => {
    const t = await startTestFlow(
      {
        connections: [{ id: "b", type: "mqtt-broker", config: { url: "mqtt://127.0.0.1:1" } }],
        nodes: [{ id: "in", type: "mqtt-in", config: { broker: "b", topic: "$share/g/a/#", group: "g" } }],
      },
      { nodes: [mqttIn], connections: [mqttBroker] },
    );
    cleanups.push(() => t.stop());
    expect(t.engine.statuses().find((s) => s.nodeId === "in")?.status).toMatchObject({ fill: "red", text: expect.stringMatching(/failed to start: topic: .*group.*\$share/) });
  });
});

describe.skipIf(!mosquittoAvailable)("mqtt-in group on Mosquitto", () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`two runtimes in one group split ${protocolVersion === 5 ? "MQTT 5" : "MQTT 3.1.1"} QoS 1 messages, none lost, none twice`, async () => {
      const broker = await startMosquitto();
      cleanups.push(() => broker.close());
      const a = await runtime(broker.url, "a", protocolVersion, "ingest");
      const b = await runtime(broker.url, "b", protocolVersion, "ingest");
      await until(() => connected(a) && connected(b), "both subscribed");
      expect(sessions.get("a")!.client.options.clientId).toBe("wattflow-ingest-b-a");
      expect(sessions.get("b")!.client.options.clientId).toBe("wattflow-ingest-b-b");

      const total = 400;
      await publishAll(broker.url, total);
      await until(() => ids(a).length + ids(b).length === total, `${total} messages handled`);
      const all = [...ids(a), ...ids(b)].sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: total }, (_, i) => i));
      // Split, not copied: each runtime got a real share.
      expect(ids(a).length).toBeGreaterThan(total / 10);
      expect(ids(b).length).toBeGreaterThan(total / 10);
      // Topic matching still runs against the plain filter: the named level is filled.
      expect(a.received("out")[0]!.params).toMatchObject({ id: expect.stringMatching(/^m\d$/) });
    }, 30_000);
  }
});

describe("partition", () => {
  it("refuses what cannot be placed, saying why", async () => {
    const pattern = parseTopicPattern("meters/{id}/reading");
    expect(() => parsePartition("3/2", undefined, pattern)).toThrow('partition "3/2": K must be between 1 and N');
    expect(() => parsePartition("1/2", "device", pattern)).toThrow('partitionKey "device" is not a {name} level of the topic (it has {id})');
    expect(parsePartition("", undefined, pattern)).toBeNull();
    // The same device always lands in the same part, and the parts cover every device.
    const parts = [1, 2, 3].map((k) => parsePartition(`${k}/3`, undefined, pattern)!);
    for (const device of ["m0", "m1", "heatpump-17", "site1"]) expect(parts.filter((p) => p.owns(p.keyOf(`meters/${device}/reading`, { id: device })))).toHaveLength(1);
    // On the node, the error fails it at deploy.
    const t = await startTestFlow(
      {
        connections: [{ id: "b", type: "mqtt-broker", config: { url: "mqtt://127.0.0.1:1" } }],
        nodes: [{ id: "in", type: "mqtt-in", config: { broker: "b", topic: "meters/{id}/reading", partition: "1/2", group: "g" } }],
      },
      { nodes: [mqttIn], connections: [mqttBroker] },
    );
    cleanups.push(() => t.stop());
    expect(t.engine.statuses().find((s) => s.nodeId === "in")?.status).toMatchObject({ fill: "red", text: expect.stringMatching(/failed to start: partition and group/) });
  });
});

describe.skipIf(!mosquittoAvailable)("mqtt-in partition on Mosquitto", () => {
  it("two runtimes, parts 1/2 and 2/2: every message handled once, each device's messages all on one runtime, in order", async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.close());
    const a = await runtime(broker.url, "a", 4, undefined, { partition: "1/2" });
    const b = await runtime(broker.url, "b", 4, undefined, { partition: "2/2" });
    await until(() => connected(a) && connected(b), "both subscribed");
    // Each needs a session of its own: both receive the whole stream.
    expect(sessions.get("a")!.client.options.clientId).toBe("wattflow-ingest-b-a");
    expect(sessions.get("b")!.client.options.clientId).toBe("wattflow-ingest-b-b");
    const total = 200;
    await publishAll(broker.url, total);
    await until(() => ids(a).length + ids(b).length === total, `${total} messages handled`);
    expect([...ids(a), ...ids(b)].sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i));
    const devicesOf = (t: TestFlow): Set<string> => new Set(t.received("out").map((m) => (m.params as { id: string }).id));
    const onA = devicesOf(a);
    const onB = devicesOf(b);
    expect([...onA].filter((d) => onB.has(d))).toEqual([]);
    expect(onA.size + onB.size).toBe(5);
    expect(onA.size).toBeGreaterThan(0);
    expect(onB.size).toBeGreaterThan(0);
    // One device's messages arrive in the order they were published.
    for (const t of [a, b]) {
      for (const d of devicesOf(t)) {
        const seq = t.received("out").filter((m) => (m.params as { id: string }).id === d).map((m) => (m.payload as { i: number }).i);
        expect(seq).toEqual([...seq].sort((x, y) => x - y));
      }
    }
  }, 30_000);
});

describe.skipIf(!mosquittoAvailable)("MQTT 5 persistent sessions", () => {
  it("outlive the connection: what is published while the runtime is away arrives when it is back", async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.close());
    const first = await runtime(broker.url, "a", 5, "ingest");
    await until(() => connected(first), "subscribed");
    await first.stop();
    await publishAll(broker.url, 30);
    const second = await runtime(broker.url, "a", 5, "ingest");
    await until(() => ids(second).length === 30, "the 30 published while away");
  }, 20_000);
});

describe("mqtt-in group on the embedded broker", () => {
  let embedded: EmbeddedBroker | undefined;
  afterEach(async () => {
    await embedded?.release();
    embedded = undefined;
  });

  it("the embedded broker does not split: a $share/ subscription receives nothing there", async () => {
    embedded = await acquireEmbeddedBroker({ host: "127.0.0.1", port: 0, wsPort: null });
    const member = await mqtt.connectAsync(embedded.url, { clientId: "member" });
    cleanups.push(() => member.endAsync(true));
    const plain = await mqtt.connectAsync(embedded.url, { clientId: "plain" });
    cleanups.push(() => plain.endAsync(true));
    const got = { member: 0, plain: 0 };
    member.on("message", () => (got.member += 1));
    plain.on("message", () => (got.plain += 1));
    await member.subscribeAsync("$share/ingest/meters/+/reading", { qos: 1 });
    await plain.subscribeAsync("meters/+/reading", { qos: 1 });
    await publishAll(embedded.url, 20);
    await until(() => got.plain === 20, "the plain subscriber got all 20");
    await new Promise((r) => setTimeout(r, 300));
    expect(got.member).toBe(0);
  }, 20_000);

  it("an empty group is no group (flows write ${MQTT_GROUP:-}): a plain subscription, fine on the embedded broker", async () => {
    const t = await startTestFlow(
      {
        id: "plain",
        env: { MQTT_PORT: "0", MQTT_WS_PORT: "off" },
        connections: [{ id: "b", type: "mqtt-broker", config: { url: "embedded" } }],
        nodes: [{ id: "in", type: "mqtt-in", config: { broker: "b", topic: "meters/#", group: "${MQTT_GROUP:-}" } }],
      },
      { nodes: [mqttIn], connections: [mqttBroker] },
    );
    cleanups.push(() => t.stop());
    await until(() => connected(t), "subscribed");
  });

  it("so mqtt-in refuses a group on it, saying why, instead of receiving nothing", async () => {
    const t = await runtime("embedded", "a", 4, "ingest");
    expect(t.engine.statuses().find((s) => s.nodeId === "in")?.status).toMatchObject({
      fill: "red",
      text: expect.stringMatching(/failed to start: topic \$share\/ingest\/meters\/\+\/reading: the embedded broker does/),
    });
  });
});
