import { defineNode, Type, Connection, getPath } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import type { MqttBroker } from "./connection.js";
import { encodePayload } from "./payload.js";
import type { QoS } from "./session.js";
import { fillTopic } from "./topic.js";

export default defineNode({
  type: "mqtt-out",
  category: "network",
  summary: "Publishes each message to an MQTT topic; the message is done once the broker has it (QoS 1/2), so nothing is lost while the broker is away.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    broker: Connection("mqtt-broker"),
    topic: Type.String({ default: "", description: "e.g. HyperVolt/commands/{params.device_id}; {path} reads the message; empty: msg.topic" }),
    qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { default: 1 }),
    retain: Type.Boolean({ default: false }),
    property: Type.String({ default: "payload", description: "what is published: objects as JSON, strings as text, bytes as they are" }),
  }),
  inputs: 1,
  outputs: [],
  concurrency: 1000,
  create(node, c) {
    const broker = node.connection<MqttBroker>(c.broker);
    let sent = 0;
    let failed = 0;
    return {
      async input(msg, _send, done) {
        const template = c.topic || (typeof msg.topic === "string" ? msg.topic : "");
        if (!template) throw new Error("no topic: set the node's topic or msg.topic");
        const topic = fillTopic(template, (path) => {
          const v = getPath(msg, path);
          return v === undefined || v === null ? undefined : String(v);
        });
        const qos = (typeof msg.qos === "number" && [0, 1, 2].includes(msg.qos) ? msg.qos : c.qos) as QoS;
        const retain = typeof msg.retain === "boolean" ? msg.retain : c.retain;
        try {
          // mqtt.js keeps the message queued while disconnected and sends it on reconnect.
          await broker.session.publish(topic, encodePayload(getPath(msg, c.property)), { qos, retain });
          sent += 1;
          if ((sent & 255) === 1) node.status({ fill: "green", shape: "dot", text: `${sent} published` });
          done();
        } catch (err) {
          failed += 1;
          node.status({ fill: "red", shape: "ring", text: `${failed} failed: ${err instanceof Error ? err.message : String(err)}` });
          done(err);
        }
      },
    };
  },
});
