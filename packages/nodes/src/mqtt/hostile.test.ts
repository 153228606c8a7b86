/**
 * Hostile payloads on the embedded broker: nothing a device publishes can
 * stop the runtime. Each refusal is counted and parked as a dead letter, and
 * the next good message still goes through.
 */
import { afterEach, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { defineNode, Type } from "@wattflow/runtime";
import { startTestFlow, type TestFlow, until } from "@wattflow/runtime/testing";
import catchNode from "../catch/index.js";
import changeNode from "../change/index.js";
import mqttBroker from "./connection.js";
import mqttIn from "./mqtt-in.js";
import { freePort } from "../../../../test/services/ports.js";
import { mosquittoAvailable, startMosquitto } from "../../../../test/services/mosquitto.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});


/** Fails every message whose payload has `fail`: a flow that cannot handle what arrived. */
const fussy = defineNode({
  type: "test-fussy",
  category: "test",
  summary: "fails messages with payload.fail",
  config: Type.Object({}),
  inputs: 1,
  outputs: ["out"],
  create() {
    return {
      input(msg, send, done) {
        if ((msg.payload as { fail?: boolean } | undefined)?.fail) return done(new Error("the flow refused it"));
        send(msg);
        done();
      },
    };
  },
});

const deepArray = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);
const deepObject = (depth: number): string => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

describe("mqtt-in under hostile payloads", () => {
  it("survives deep, huge, broken and prototype-laden payloads; parks and counts each refusal; good messages flow on", async () => {
    const port = await freePort();
    const t: TestFlow = await startTestFlow(
      {
        id: "hostile",
        connections: [{ id: "b", type: "mqtt-broker", config: { url: "embedded" } }],
        nodes: [
          // One attempt: a failed message is parked at once (retries are redelivery.test.ts's subject).
          { id: "in", type: "mqtt-in", config: { broker: "b", topic: "dev/{id}/data", qos: 1, maxAttempts: 1 }, wires: [["mark"]] },
          { id: "mark", type: "change", config: { rules: [{ action: "set", path: "payload.seen", value: true, valueType: "boolean" }] }, wires: [["check"]] },
          { id: "check", type: "test-fussy", wires: [["out"]] },
          { id: "out", type: "test-collect" },
          { id: "c", type: "catch", wires: [["errors"]] },
          { id: "errors", type: "test-collect" },
        ],
      },
      { nodes: [mqttIn, changeNode, catchNode, fussy], connections: [mqttBroker], env: { MQTT_PORT: String(port), MQTT_WS_PORT: "off" }, freeze: true },
    );
    cleanups.push(() => t.stop());
    await until(() => t.engine.statuses().some((s) => s.nodeId === "in" && s.status.fill === "green"), 5000, "subscribed");
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    cleanups.push(() => device.endAsync(true));

    const hostile: [string, string | Buffer][] = [
      ["dev/a/data", deepArray(10_000)],
      ["dev/b/data", deepObject(10_000)],
      ["dev/c/data", JSON.stringify("x".repeat(5 * 1024 * 1024))],
      ["dev/d/data", Buffer.from([0x7b, 0x22, 0x76, 0x22, 0x3a, 0xc3, 0x28, 0x7d])],
      ["dev/e/data", '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"v":1}'],
      ["dev/f/data", '{"fail":true}'],
      ["dev/g/data", '{"v":2}'],
    ];
    for (const [topic, payload] of hostile) await device.publishAsync(topic, payload, { qos: 1 });

    const out = await t.waitFor("out", 2);
    expect(out.map((m) => m.topic)).toEqual(["dev/e/data", "dev/g/data"]);
    const polluted = out[0]!.payload as Record<string, unknown>;
    expect(Object.getPrototypeOf(polluted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(polluted, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(polluted.polluted).toBeUndefined();
    expect(polluted.seen).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out[1]!.payload).toEqual({ v: 2, seen: true });

    await until(async () => await t.store.deadLetters.count() === 5, 5000, "five dead letters");
    const letters = await t.store.deadLetters.list({ flowId: "hostile" });
    expect(letters.map((l) => [l.nodeId, l.source, l.reason])).toEqual([
      ["in", "dev/f/data", "handling failed: the flow refused it"],
      ["in", "dev/d/data", "payload is not valid UTF-8"],
      ["in", "dev/c/data", `payload is ${5 * 1024 * 1024 + 2} bytes, over the 262144-byte limit`],
      ["in", "dev/b/data", "payload nests deeper than 64 levels"],
      ["in", "dev/a/data", "payload nests deeper than 64 levels"],
    ]);
    expect(letters[4]).toMatchObject({ size: 20_000, previewEncoding: "text", preview: "[".repeat(1024) });
    expect(letters[2]!.preview.length).toBe(1024);
    expect(letters[1]).toMatchObject({ size: 8, previewEncoding: "base64", preview: Buffer.from([0x7b, 0x22, 0x76, 0x22, 0x3a, 0xc3, 0x28, 0x7d]).toString("base64") });

    const stats = t.engine.stats().find((s) => s.nodeId === "in")!;
    expect(stats).toMatchObject({ deadLetters: 5, rejected: 4 });
    const errors = await t.waitFor("errors", 5);
    expect(errors.map((e) => (e.error as { message: string }).message)).toEqual(
      expect.arrayContaining(["dev/a/data: payload nests deeper than 64 levels", "dev/b/data: payload nests deeper than 64 levels", "the flow refused it"]),
    );

    // Still alive after all that: the next good message is handled.
    await device.publishAsync("dev/h/data", '{"v":3}', { qos: 1 });
    expect((await t.waitFor("out", 3))[2]!.payload).toEqual({ v: 3, seen: true });
  });
});

describe.skipIf(!mosquittoAvailable)("mqtt-in with a persistent session on Mosquitto", () => {
  it("parks and acknowledges a poison payload once: the next run of the session does not get it again", async () => {
    const broker = await startMosquitto({ persistence: true });
    cleanups.push(() => broker.close());
    const store = (await import("@wattflow/runtime")).openStore({ memory: true });
    cleanups.push(async () => await store.close());
    const doc = {
      id: "persist",
      connections: [{ id: "b", type: "mqtt-broker", config: { url: broker.url, clientId: "poison-ingest", clean: false } }],
      nodes: [
        { id: "in", type: "mqtt-in", config: { broker: "b", topic: "meters/{id}/reading", qos: 1 }, wires: [["out"]] },
        { id: "out", type: "test-collect" },
      ],
    };
    // The session exists while no flow runs, so the broker keeps what is published for it.
    const session = await mqtt.connectAsync(broker.url, { clientId: "poison-ingest", clean: false, reconnectPeriod: 0 });
    await session.subscribeAsync("meters/+/reading", { qos: 1 });
    await session.endAsync();
    const device = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    cleanups.push(() => device.endAsync(true));
    await device.publishAsync("meters/m1/reading", deepArray(10_000), { qos: 1 });
    await device.publishAsync("meters/m1/reading", '{"w":1}', { qos: 1 });

    for (let run = 1; run <= 2; run++) {
      const t = await startTestFlow(doc, { nodes: [mqttIn], connections: [mqttBroker], store, freeze: true });
      try {
        if (run === 2) await device.publishAsync("meters/m1/reading", '{"w":2}', { qos: 1 });
        const [good] = await t.waitFor("out", 1).catch(async (err: Error) => {
          throw new Error(`run ${run}: ${err.message}; dead letters ${await store.deadLetters.count()}; ${JSON.stringify(t.engine.statuses())}`);
        });
        expect(good!.payload).toEqual({ w: run });
        // The broker hands over what it still holds before anything newer: had the deep payload come again
        // (run 2), it was parked before the good reading arrived, and the count would be 2.
        await until(async () => (await store.deadLetters.count("persist")) >= 1, 5000, "the deep payload parked");
        expect(await store.deadLetters.count("persist")).toBe(1);
      } finally {
        await t.stop();
      }
    }
    expect((await store.deadLetters.list())[0]).toMatchObject({ source: "meters/m1/reading", reason: "payload nests deeper than 64 levels", size: 20_000 });
  });
});
