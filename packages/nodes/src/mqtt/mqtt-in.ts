import { defineNode, Type, Connection, isMessageError, type Completion } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import type { MqttBroker } from "./connection.js";
import { decodePayload, type PayloadFormat } from "./payload.js";
import type { BrokerState, Delivery, Unsubscribe } from "./session.js";
import { parseTopicPattern } from "./topic.js";
import { parsePartition } from "./partition.js";

export default defineNode({
  type: "mqtt-in",
  category: "network",
  summary: "Subscribes to MQTT topics; named segments like heatpump/{device_id}/data land in msg.params. QoS 1 messages are acknowledged once the flow has handled them; a failed one comes back (up to maxAttempts, then parked).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    broker: Connection("mqtt-broker"),
    topic: Type.String({ minLength: 1, description: "filter with +, #, {name} segments, or $share/<group>/<filter>" }),
    group: Type.Optional(
      Type.String({
        pattern: "^[^/+#]*$",
        description: "shared-subscription group: runtimes subscribing with the same group split the messages (subscribes $share/<group>/<topic>); empty: none, so flows can write ${MQTT_GROUP:-}",
      }),
    ),
    qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], { default: 1 }),
    maxAttempts: Type.Integer({
      minimum: 1,
      default: 5,
      description: "a QoS 1 message whose handling fails is not acknowledged and comes back (persistent session); after this many failed attempts it is parked as a dead letter and acknowledged",
    }),
    format: Type.Union([Type.Literal("auto"), Type.Literal("json"), Type.Literal("text"), Type.Literal("bytes")], {
      default: "json",
      description: "json: a payload that is not JSON goes to the error path; auto: JSON when it parses, else text",
    }),
    maxPayloadBytes: Type.Integer({ minimum: 1, default: 262_144, description: "larger payloads are refused to the error path" }),
    maxDepth: Type.Integer({ minimum: 1, maximum: 1000, default: 64, description: "JSON nested deeper than this many arrays/objects is refused to the error path" }),
    retained: Type.Boolean({ default: true, description: "also pass on retained messages the broker sends on subscribe" }),
    partition: Type.Optional(
      Type.String({
        pattern: "^(\\d+/\\d+)?$",
        description: "K/N: of every message, handle only those whose device hashes to part K of N (each runtime its own K; all of a device's messages go to one runtime); empty: all, so flows can write ${MQTT_PARTITION:-}",
      }),
    ),
    partitionKey: Type.Optional(Type.String({ description: "the {name} level of the topic that names the device (default: the first one; without any, the whole topic)" })),
  }),
  inputs: 0,
  outputs: ["message"],
  create(node, c) {
    const group = c.group ? c.group : undefined;
    if (group !== undefined && c.topic.startsWith("$share/")) throw new Error(`topic: give the group either as "group" or in "$share/<group>/…", not both`);
    const pattern = parseTopicPattern(group !== undefined ? `$share/${group}/${c.topic}` : c.topic);
    const partition = parsePartition(c.partition, c.partitionKey, pattern);
    if (partition && group !== undefined) throw new Error(`partition and group split the stream two different ways: give one (partition: by device, group: by message)`);
    const broker = node.connection<MqttBroker>(c.broker);
    if (broker.embedded && pattern.subscription.startsWith("$share/")) {
      throw new Error(`topic ${pattern.subscription}: the embedded broker does not support shared subscriptions (it would deliver nothing); give the runtimes an external broker (MQTT_URL, e.g. Mosquitto 2)`);
    }
    const session = broker.session;
    let received = 0;
    let refused = 0;
    let overflow = 0;
    /** Messages of other runtimes' parts, acknowledged and passed over. */
    let others = 0;
    let closing = false;
    let unsubscribe: Unsubscribe | null = null;
    let state: BrokerState = session.state;
    let stateDetail: string | undefined;

    let shown = "";
    const showStatus = (): void => {
      const counts = `${received} in${refused ? `, ${refused} refused` : ""}${partition ? `, ${others} for other parts (part ${partition.index}/${partition.count})` : ""}`;
      const text = state === "connected" ? `${c.topic}: ${counts}` : `${state}${stateDetail ? `: ${stateDetail}` : ""} (${counts})`;
      // The periodic refresh only reports what changed, so status listeners are not woken for nothing.
      if (text === shown) return;
      shown = text;
      node.status({ fill: state === "connected" ? "green" : state === "connecting" ? "yellow" : "red", shape: state === "connected" ? "dot" : "ring", text });
    };

    const deliver = (d: Delivery): void => {
      if (d.retain && !c.retained) return d.handled();
      if (partition && !partition.owns(partition.keyOf(d.topic, d.params))) {
        others += 1;
        return d.handled();
      }
      const decoded = decodePayload(d.payload, c.format as PayloadFormat, c.maxPayloadBytes, c.maxDepth);
      if (!decoded.ok) {
        refused += 1;
        node.countRejected();
        // Parked and acknowledged: a persistent session must not hand the same poison to every restart.
        node.deadLetter({ reason: decoded.reason, source: d.topic, payload: d.payload });
        // The raw bytes stay on the message (bounded by the limit) so a catch node can keep or inspect them.
        const raw = d.payload.length <= c.maxPayloadBytes ? d.payload : d.payload.subarray(0, 1024);
        node.error(new Error(`${d.topic}: ${decoded.reason}`), node.newMessage({ topic: d.topic, params: d.params, payload: raw, qos: d.qos }));
        // An error replaces the node's status; the counts come back so the editor shows how many were refused.
        shown = "";
        showStatus();
        return d.handled();
      }
      // QoS 0 has no ack to hold back, so the broker does not slow down for us: while the flow is full,
      // such messages are dropped and counted rather than held in memory without a bound.
      if (d.qos === 0 && node.isHeld()) {
        overflow += 1;
        node.countRejected();
        if (overflow === 1 || (overflow & 1023) === 0) node.log.warn({ topic: d.topic, dropped: overflow }, "QoS 0 messages dropped while the flow is full (use QoS 1 to have the broker hold them)");
        return d.handled();
      }
      received += 1;
      if ((received & 1023) === 1) showStatus();
      const onComplete = (completion: Completion): void => {
        // While closing, a failure may be the stop itself: the broker keeps the message for the next run.
        if (completion.outcome === "nack" && !closing) {
          // Only QoS 1 acknowledgements are held back here (QoS 2 is acknowledged by the client on arrival).
          const comesBack = d.qos === 1 && session.redelivers && d.attempt < c.maxAttempts && !isMessageError(completion.error);
          if (!comesBack) {
            // Nothing would bring it back (QoS 0 or 2, a clean session), the message itself is the problem (it would
            // fail the same way again), or it keeps failing: parked, then acknowledged. Acknowledged only once the
            // letter is stored: when the store cannot take it either, an unacknowledged QoS 1 message stays with
            // the broker, which hands it over again later.
            const letter = { reason: `handling failed${d.attempt > 1 ? ` ${d.attempt} times` : ""}: ${completion.error.message}`, source: d.topic, payload: d.payload };
            void node.deadLetter(letter).then((parked) => d.handled(parked || d.qos !== 1 || !session.redelivers ? undefined : completion));
            return;
          }
        }
        d.handled(completion);
      };
      node.send(node.newMessage({ topic: d.topic, params: d.params, payload: decoded.value, qos: d.qos, retain: d.retain }), { onComplete });
    };

    const offState = session.onState((s, detail) => {
      state = s;
      stateDetail = detail;
      showStatus();
    });

    return {
      async start() {
        showStatus();
        unsubscribe = await session.subscribe({ pattern, qos: c.qos, owner: `${node.flowId}/${node.id}`, deliver, ownSession: partition !== null });
        node.timers.setInterval(showStatus, 2000);
      },
      // A stopping process or a restarting node keeps the broker's subscription; only a removed node gives it up.
      async close(reason) {
        closing = true;
        offState();
        await unsubscribe?.(reason);
      },
    };
  },
});
