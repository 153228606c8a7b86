import { defineConnection, Secret, Type, type ConnectionInstance } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import type { InfluxClient } from "./client.js";
import { InfluxHealth } from "./health.js";
import { V1Client } from "./v1.js";

export type { InfluxClient, Row } from "./client.js";

/** The client of a connection with no URL: flows that can also write to InfluxDB run without one. */
const OFF: InfluxClient = {
  version: "v1",
  target: "InfluxDB (off: no url)",
  off: true,
  write: () => Promise.reject(new Error("InfluxDB is off: the connection has no url")),
  query: () => Promise.reject(new Error("InfluxDB is off: the connection has no url (set INFLUX_URL)")),
  ping: () => Promise.resolve(false),
};

export default defineConnection({
  type: "influxdb",
  summary: "An InfluxDB server: 1.x (database, user, password) or 2.x/3.x (org, bucket, token).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    url: Type.String({ description: 'e.g. http://localhost:8086; empty ("${INFLUX_URL:-}" unset) turns InfluxDB off: writers pass messages on without writing' }),
    version: Type.Union([Type.Literal("v1"), Type.Literal("v2")], { default: "v2", description: "v1: InfluxDB 1.x (InfluxQL); v2: InfluxDB 2.x, and 3.x through /api/v2/write" }),
    org: Type.String({ default: "", description: "v2: organization" }),
    bucket: Type.String({ default: "", description: "v2: bucket" }),
    token: Secret({ default: "", description: "v2: API token: use ${INFLUX_TOKEN}" }),
    database: Type.String({ default: "", description: "v1: database" }),
    retentionPolicy: Type.String({ default: "", description: "v1: retention policy (empty: the database's default)" }),
    username: Type.String({ default: "", description: "v1: user (empty: no authentication)" }),
    password: Secret({ default: "", description: "v1: password: use ${INFLUX_PASSWORD}" }),
    timeout: Type.String({ pattern: DURATION_PATTERN, default: "10s", description: "per request" }),
  }),
  async create(handle, c): Promise<ConnectionInstance<InfluxClient>> {
    const timeoutMs = parseDuration(c.timeout);
    const missing = (field: string, why: string): Error => new Error(`influxdb connection ${handle.id}: ${field} is empty (${why})`);
    let client: InfluxClient;
    if (c.url.trim() === "") {
      handle.log.info(`influxdb connection ${handle.id}: no url, InfluxDB is off`);
      return { value: OFF, health: () => ({ status: "up", detail: "off: no url", info: { off: true } }) };
    }
    if (c.version === "v1") {
      if (!c.database) throw missing("database", "InfluxDB 1.x writes into a database");
      client = new V1Client({ url: c.url, database: c.database, retentionPolicy: c.retentionPolicy, username: c.username, password: c.password, timeoutMs });
    } else {
      if (!c.org) throw missing("org", "InfluxDB 2.x needs the organization");
      if (!c.bucket) throw missing("bucket", "InfluxDB 2.x writes into a bucket");
      if (!c.token) throw missing("token", "set INFLUX_TOKEN to an API token with write access to the bucket");
      // The InfluxDB client library loads with the first 2.x connection that has a url, not with the node catalog.
      const { V2Client } = await import("./v2.js");
      client = new V2Client({ url: c.url, org: c.org, bucket: c.bucket, token: c.token, timeoutMs });
    }
    // A server that is away at start is no reason to fail the flow: writers queue to the outbox until it answers.
    void client.ping().then((ok) => {
      if (ok) handle.log.info({ target: client.target }, "InfluxDB answers");
      else handle.log.warn({ target: client.target }, "InfluxDB does not answer yet; writes are kept in the outbox until it does");
    });
    const health = new InfluxHealth(client, () => handle.store.outbox.summary());
    return { value: health.observed(), health: () => health.check(), close: () => health.close() };
  },
});
