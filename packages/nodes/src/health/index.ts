import { Connection, defineNode, Type, type ConnectionHealth } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

/** One dependency as a health answer shows it. */
export interface HealthCheck {
  /** off: the dependency is not configured (an InfluxDB connection without a URL) and is not needed. */
  status: "up" | "degraded" | "down" | "off";
  detail: string;
  [key: string]: unknown;
}

export interface HealthReport {
  /** healthy: every check is up; degraded: a connection is down or near a bound; unhealthy: the store does not answer. */
  status: "healthy" | "degraded" | "unhealthy";
  checks: Record<string, HealthCheck>;
}

export default defineNode({
  type: "health-check",
  category: "monitoring",
  summary: "Checks the flow's dependencies (store, MQTT broker, InfluxDB and its outboxes) and puts the result on the message, with statusCode 200 or 503.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    broker: Type.Optional(Connection("mqtt-broker", { description: "the MQTT broker the flow needs connected (none: not checked)" })),
    influx: Type.Optional(Connection("influxdb", { description: "the InfluxDB the flow writes to, checked when it has a URL (none: not checked)" })),
    output: Type.String({ minLength: 1, default: "health", description: "message property for the report { status, checks }" }),
  }),
  inputs: 1,
  outputs: ["report"],
  create(node, c) {
    const connectionCheck = async (id: string): Promise<HealthCheck> => {
      let h: ConnectionHealth | undefined;
      try {
        h = await node.connectionHealth(id);
      } catch (err) {
        return { status: "down", detail: err instanceof Error ? err.message : String(err) };
      }
      if (!h) return { status: "up", detail: "reports no health" };
      const { info, ...rest } = h;
      if (info?.off === true) return { status: "off", detail: h.detail };
      return { ...rest, ...(info ?? {}) };
    };

    const storeCheck = async (): Promise<HealthCheck> => {
      try {
        // A read that reaches the database (an indexed count), not an in-memory view or cache.
        await node.store.deadLetters.count(node.flowId);
        return { status: "up", detail: "answers" };
      } catch (err) {
        return { status: "down", detail: err instanceof Error ? err.message : String(err) };
      }
    };

    return {
      async input(msg, send, done) {
        const checks: Record<string, HealthCheck> = { store: await storeCheck() };
        const [broker, influx] = await Promise.all([c.broker ? connectionCheck(c.broker) : undefined, c.influx ? connectionCheck(c.influx) : undefined]);
        if (broker) checks.mqtt = broker;
        if (influx) checks.influxdb = influx;
        const troubled = Object.values(checks).some((k) => k.status === "down" || k.status === "degraded");
        const status: HealthReport["status"] = checks.store!.status === "down" ? "unhealthy" : troubled ? "degraded" : "healthy";
        const report: HealthReport = { status, checks };
        node.status({ fill: status === "healthy" ? "green" : status === "degraded" ? "yellow" : "red", shape: "dot", text: status });
        send({ ...msg, statusCode: status === "healthy" ? 200 : 503, [c.output]: report });
        done();
      },
    };
  },
});
