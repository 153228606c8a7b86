import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { defineConnection, MAX_TIMER_MS, offerToIsolatedFlows, Secret, Type, type ConnectionInstance } from "@wattflow/runtime";
import type { IClientOptions } from "mqtt";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import type { EmbeddedBroker, EmbeddedBrokerOptions } from "./embedded-broker.js";
import type { MqttSession } from "./session.js";
import { mqttHealth } from "../health/mqtt.js";

export interface MqttBroker {
  session: MqttSession;
  /** The URL clients use (the embedded broker's own when it is hosted here). */
  url: string;
  embedded: EmbeddedBroker | null;
}

/** The process's one embedded broker is the main thread's: a flow isolated in a worker thread gets a share of it under this name. */
export const EMBEDDED_BROKER = "mqtt.embedded-broker";
offerToIsolatedFlows(EMBEDDED_BROKER, async (o: EmbeddedBrokerOptions) => (await import("./embedded-broker.js")).acquireEmbeddedBroker(o));

const QoS = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]);

export default defineConnection({
  type: "mqtt-broker",
  summary: "An MQTT broker (mqtt://, mqtts://, ws://, wss://), or \"embedded\": a broker hosted by Wattflow itself on MQTT_PORT.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    url: Type.String({ minLength: 1, default: "embedded", description: "e.g. mqtt://broker.local:1883, or embedded; flows usually write ${MQTT_URL:-embedded}" }),
    clientId: Type.String({ default: "", description: "the session's name at the broker; empty: wattflow-<flow>-<connection>. Runtimes sharing a broker and a flow each need their own" }),
    clean: Type.Boolean({
      default: false,
      description: "false (default): a persistent session, the broker keeps subscriptions and queues QoS 1/2 messages while Wattflow is away; true: start afresh on every connection",
    }),
    username: Type.String({ default: "", description: "e.g. ${MQTT_USER}" }),
    password: Secret({ default: "", description: "e.g. ${MQTT_PASSWORD}" }),
    keepalive: Type.Integer({ minimum: 0, default: 30, description: "seconds" }),
    reconnectPeriod: Type.String({ pattern: DURATION_PATTERN, default: "1s", description: "first wait before reconnecting; doubles after each failure" }),
    maxReconnectPeriod: Type.String({ pattern: DURATION_PATTERN, default: "30s" }),
    protocolVersion: Type.Union([Type.Literal(4), Type.Literal(5)], { default: 4, description: "4 = MQTT 3.1.1, 5 = MQTT 5" }),
    receiveMaximum: Type.Integer({ minimum: 1, maximum: 65_535, default: 1000, description: "MQTT 5: QoS 1/2 messages the broker may have in flight to this client awaiting acknowledgement" }),
    tls: Type.Object(
      {
        ca: Type.String({ default: "", description: "file of CA certificates" }),
        cert: Type.String({ default: "", description: "client certificate file" }),
        key: Type.String({ default: "", description: "client key file" }),
        rejectUnauthorized: Type.Boolean({ default: true }),
      },
      { default: {} },
    ),
    will: Type.Optional(
      Type.Object({
        topic: Type.String({ minLength: 1 }),
        payload: Type.String({ default: "" }),
        qos: Type.Optional(QoS),
        retain: Type.Boolean({ default: false }),
      }),
    ),
  }),
  async create(handle, c): Promise<ConnectionInstance<MqttBroker>> {
    // The MQTT client (and the broker below) load when a flow first opens a broker, not with the node catalog.
    const { MqttSession, redactUrl } = await import("./session.js");
    let embedded: EmbeddedBroker | null = null;
    let url = c.url;
    if (url === "embedded") {
      const { acquireEmbeddedBroker } = await import("./embedded-broker.js");
      const ws = handle.env("MQTT_WS_PORT") ?? "9001";
      embedded = await acquireEmbeddedBroker({
        host: handle.env("MQTT_HOST") ?? "127.0.0.1",
        port: Number(handle.env("MQTT_PORT") ?? "1883"),
        wsPort: ws === "off" ? null : Number(ws),
        ...(c.username ? { username: c.username } : {}),
        ...(c.password ? { password: c.password } : {}),
      });
      url = embedded.url;
      handle.log.info({ port: embedded.port, wsPort: embedded.wsPort }, `embedded MQTT broker on port ${embedded.port}${embedded.wsPort ? `, WebSocket on ${embedded.wsPort}` : ""}`);
    }
    const tls: Partial<IClientOptions> = {};
    if (c.tls.ca) tls.ca = readFileSync(c.tls.ca);
    if (c.tls.cert) tls.cert = readFileSync(c.tls.cert);
    if (c.tls.key) tls.key = readFileSync(c.tls.key);
    tls.rejectUnauthorized = c.tls.rejectUnauthorized;
    const ids = clientIds(c.clientId, `wattflow-${handle.flowId}-${handle.id}`, handle.env("WATTFLOW_INSTANCE"));
    const session = new MqttSession({
      url,
      ...(ids.shared !== undefined ? { sharedClientId: ids.shared } : {}),
      // mqtt.js waits with Node's timers, which fire at once past MAX_TIMER_MS (about 24.8 days).
      maxReconnectPeriod: Math.min(parseDuration(c.maxReconnectPeriod), MAX_TIMER_MS),
      log: handle.log,
      client: {
        // Stable across restarts, so a persistent session is found again; a clean one may as well be recognisable.
        clientId: ids.plain,
        clean: c.clean,
        keepalive: c.keepalive,
        reconnectPeriod: Math.min(parseDuration(c.reconnectPeriod), MAX_TIMER_MS),
        connectTimeout: 10_000,
        protocolVersion: c.protocolVersion,
        // Acks wait for the flow, so this window is how many messages a batching sink can gather at once.
        // MQTT 5 ends a session at disconnect unless it is given an expiry: a persistent one asks for the longest,
        // as 3.1.1 sessions have (the broker's own limit, e.g. Mosquitto's persistent_client_expiration, still applies).
        ...(c.protocolVersion === 5 ? { properties: { receiveMaximum: c.receiveMaximum, ...(c.clean ? {} : { sessionExpiryInterval: 0xffffffff }) } } : {}),
        ...(c.username ? { username: c.username } : {}),
        ...(c.password ? { password: c.password } : {}),
        ...(c.will ? { will: { topic: c.will.topic, payload: Buffer.from(c.will.payload), qos: c.will.qos ?? 0, retain: c.will.retain } } : {}),
        ...tls,
      },
    });
    handle.log.info({ broker: redactUrl(url) }, "MQTT connecting");
    return {
      value: { session, url, embedded },
      health: mqttHealth(session),
      ready() {
        session.connect();
      },
      async close() {
        await session.close();
        await embedded?.release();
      },
    };
  },
});

/**
 * The session's client id. A configured `clientId` is used as it is. Otherwise it is
 * `wattflow-<flow>-<connection>`, with the runtime's instance id appended when WATTFLOW_INSTANCE is set,
 * or (as `shared`) when the connection makes a shared subscription: runtimes in one group then keep a
 * session each, while a lone runtime keeps the id its persistent session always had.
 */
export function clientIds(configured: string, base: string, instance: string | undefined): { plain: string; shared?: string } {
  if (configured) return { plain: configured };
  if (instance) return { plain: `${base}-${instance}` };
  return { plain: base, shared: `${base}-${hostname()}-${process.pid}` };
}
