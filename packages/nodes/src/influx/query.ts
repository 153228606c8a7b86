import { Connection, defineNode, RAW_KEYWORD, setPath, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import type { InfluxClient } from "./client.js";

export default defineNode({
  type: "influx-query",
  category: "storage",
  summary: "Runs an InfluxQL (1.x) or Flux (2.x) query for each message and puts the rows on the message.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    server: Connection("influxdb"),
    query: Type.String({
      minLength: 1,
      description: "InfluxQL or Flux; {{path}} or {{path|default}} inserts a message value as a quoted literal",
      // Flux uses ${...} itself; values come from the message through {{...}}, never by pasting text.
      [RAW_KEYWORD]: true,
    }),
    output: Type.String({ default: "payload", description: "where the rows go" }),
  }),
  inputs: 1,
  outputs: ["rows"],
  async create(node, c) {
    const client = node.connection<InfluxClient>(c.server);
    // Flux literals come from the InfluxDB client library: loaded when a query node is created, not at every start.
    const { fillQuery, fluxLiteral, influxqlLiteral } = await import("./literals.js");
    const literal = client.version === "v1" ? influxqlLiteral : fluxLiteral;
    return {
      async input(msg, send, done) {
        let q: string;
        try {
          q = fillQuery(c.query, msg, literal);
        } catch (err) {
          done(new Error(`query for ${client.target}: ${err instanceof Error ? err.message : String(err)}`));
          return;
        }
        try {
          const rows = await client.query(q);
          node.status({ fill: "green", shape: "dot", text: `${rows.length} rows at ${new Date().toISOString().slice(11, 19)}` });
          send(setPath(msg, c.output, rows));
          done();
        } catch (err) {
          node.status({ fill: "red", shape: "ring", text: err instanceof Error ? err.message : String(err) });
          done(err);
        }
      },
    };
  },
});
