/**
 * Node-RED config nodes (`mqtt-broker`, `influxdb`, with their `tls-config`)
 * as Wattflow connections. Credentials are never in an export, so user names
 * and passwords become `${NAME:-}` references to set in the environment.
 */
import type { FlowConnection } from "../types.js";
import type { NodeRedNode } from "./convert.js";

type Warn = (text: string) => void;

const text = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const yes = (v: unknown): boolean => v === true || v === "true";

/** Environment variable names, numbered when one export has several brokers or servers. */
class EnvNames {
  private readonly seen = new Map<string, number>();
  name(prefix: string, configId: string): string {
    const key = `${prefix}:${configId}`;
    if (!this.seen.has(key)) this.seen.set(key, [...this.seen.keys()].filter((k) => k.startsWith(`${prefix}:`)).length + 1);
    const n = this.seen.get(key)!;
    return n === 1 ? prefix : `${prefix}_${n}`;
  }
}

function tlsFiles(tls: NodeRedNode | undefined): Record<string, unknown> {
  if (!tls) return {};
  return {
    tls: {
      ca: text(tls.ca),
      cert: text(tls.cert),
      key: text(tls.key),
      rejectUnauthorized: tls.verifyservercert !== false && tls.verifyservercert !== "false",
    },
  };
}

function mqttBroker(n: NodeRedNode, byId: Map<string, NodeRedNode>, env: EnvNames, warn: Warn): FlowConnection {
  const host = text(n.broker) || "localhost";
  const tls = yes(n.usetls);
  // Node-RED 3 accepts a full URL in "broker"; otherwise it is a host name and the port is separate.
  const url = /^[a-z]+:\/\//i.test(host) ? host : `${tls ? "mqtts" : "mqtt"}://${host}:${text(n.port) || (tls ? "8883" : "1883")}`;
  const credentials = (n.credentials ?? {}) as { user?: unknown };
  const envPrefix = env.name("MQTT", n.id);
  const config: Record<string, unknown> = {
    url,
    clientId: text(n.clientid),
    clean: n.cleansession !== false && n.cleansession !== "false",
    username: text(credentials.user) || `\${${envPrefix}_USERNAME:-}`,
    password: `\${${envPrefix}_PASSWORD:-}`,
    protocolVersion: text(n.protocolVersion) === "5" ? 5 : 4,
    ...(Number(n.keepalive) >= 0 && text(n.keepalive) !== "" ? { keepalive: Math.round(Number(n.keepalive)) } : {}),
    ...(tls ? tlsFiles(byId.get(text(n.tls))) : {}),
  };
  if (text(n.willTopic)) {
    config.will = { topic: text(n.willTopic), payload: text(n.willPayload), ...(["0", "1", "2"].includes(text(n.willQos)) ? { qos: Number(n.willQos) } : {}), retain: yes(n.willRetain) };
  }
  for (const kind of ["birth", "close", "disconnect"]) if (text(n[`${kind}Topic`])) warn(`${n.id}: mqtt-broker's ${kind} message is not supported; left out`);
  warn(`${n.id}: MQTT broker ${url} becomes the mqtt-broker connection "${safeConnectionId(n.id)}"; set ${envPrefix}_USERNAME and ${envPrefix}_PASSWORD in the environment if it needs a login`);
  return { id: safeConnectionId(n.id), type: "mqtt-broker", ...(text(n.name) ? { name: text(n.name) } : {}), config };
}

function influxServer(n: NodeRedNode, users: NodeRedNode[], byId: Map<string, NodeRedNode>, env: EnvNames, warn: Warn): FlowConnection {
  const version = text(n.influxdbVersion) || "1.x";
  const envPrefix = env.name("INFLUX", n.id);
  const tls = yes(n.usetls);
  const config: Record<string, unknown> = {};
  if (version === "1.x") {
    Object.assign(config, {
      version: "v1",
      url: `${tls ? "https" : text(n.protocol) || "http"}://${text(n.hostname) || "localhost"}:${text(n.port) || "8086"}`,
      database: text(n.database),
      username: `\${${envPrefix}_USERNAME:-}`,
      password: `\${${envPrefix}_PASSWORD:-}`,
    });
    const policies = new Set(users.map((u) => text(u.retentionPolicy)).filter(Boolean));
    if (policies.size === 1) config.retentionPolicy = [...policies][0];
    if (policies.size > 1) warn(`${n.id}: influxdb writers use retention policies ${[...policies].join(", ")}; one connection has one, so ${[...policies][0]} is used`);
  } else {
    // 1.8-flux and 2.0 write through /api/v2/write; org and bucket are set on each writer in Node-RED, on the connection here.
    const orgs = new Set(users.map((u) => text(u.org)).filter(Boolean));
    const buckets = new Set(users.map((u) => text(u.bucket) || (version === "1.8-flux" ? `${text(u.database)}/${text(u.retentionPolicyV18Flux)}` : "")).filter(Boolean));
    Object.assign(config, { version: "v2", url: text(n.url) || "http://localhost:8086", org: [...orgs][0] ?? "", bucket: [...buckets][0] ?? "", token: `\${${envPrefix}_TOKEN:-}` });
    if (orgs.size > 1 || buckets.size > 1) warn(`${n.id}: influxdb writers use several orgs or buckets; one connection has one, so ${String(config.org)}/${String(config.bucket)} is used (add a connection per bucket)`);
  }
  if (Number(n.timeout) > 0) config.timeout = `${Math.round(Number(n.timeout) * 1000)}ms`;
  if (tls && byId.get(text(n.tls))) warn(`${n.id}: influxdb TLS settings (certificates) are not carried over; the server certificate is checked as usual`);
  const secrets = version === "1.x" ? `${envPrefix}_USERNAME and ${envPrefix}_PASSWORD` : `${envPrefix}_TOKEN`;
  warn(`${n.id}: InfluxDB server ${String(config.url)} becomes the influxdb connection "${safeConnectionId(n.id)}"; set ${secrets} in the environment`);
  return { id: safeConnectionId(n.id), type: "influxdb", ...(text(n.name) ? { name: text(n.name) } : {}), config };
}

export const safeConnectionId = (raw: string): string => {
  const id = raw.replace(/[^A-Za-z0-9_-]/g, "_");
  return /^[A-Za-z0-9]/.test(id) ? id : `n${id}`;
};

/** The config node fields of flow nodes that name a connection. */
const REFERENCES: Record<string, string> = { "mqtt in": "broker", "mqtt out": "broker", "influxdb out": "influxdb", "influxdb batch": "influxdb", "influxdb in": "influxdb" };

/** Config node types that become connections. */
export const CONNECTION_CONFIG_TYPES = new Set(["mqtt-broker", "influxdb", "tls-config"]);

/**
 * The connections each flow needs: a config node becomes a connection in every
 * flow (tab) whose nodes use it. Returns flow id → connections.
 */
export function connectionsByFlow(all: NodeRedNode[], flowOf: (n: NodeRedNode) => string, warn: Warn): Map<string, FlowConnection[]> {
  const byId = new Map(all.map((n) => [n.id, n]));
  const env = new EnvNames();
  const made = new Map<string, FlowConnection>();
  const users = (configId: string): NodeRedNode[] => all.filter((n) => REFERENCES[n.type] && n[REFERENCES[n.type]!] === configId);
  for (const n of all) {
    if (n.type === "mqtt-broker") made.set(n.id, mqttBroker(n, byId, env, warn));
    if (n.type === "influxdb") made.set(n.id, influxServer(n, users(n.id), byId, env, warn));
  }
  const result = new Map<string, FlowConnection[]>();
  for (const n of all) {
    const field = REFERENCES[n.type];
    if (!field) continue;
    const ref = text(n[field]);
    if (!ref) continue;
    const connection = made.get(ref);
    if (!connection) {
      warn(`${n.id}: ${n.type} uses config node ${ref}, which is not in the export; add the connection by hand`);
      continue;
    }
    const flow = flowOf(n);
    const list = result.get(flow) ?? [];
    if (!list.includes(connection)) list.push(connection);
    result.set(flow, list);
  }
  return result;
}
