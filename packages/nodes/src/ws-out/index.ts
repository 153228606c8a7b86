import { defineNode, Type, getPath } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

export default defineNode({
  type: "ws-out",
  category: "network",
  summary: "Broadcasts each message's payload as JSON to every WebSocket client of a path.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    path: Type.String({ pattern: "^/", description: "exact path, trailing slash as given (e.g. /ws/solar/data/)" }),
    property: Type.String({ default: "payload", description: "what is sent" }),
    heartbeat: Type.Integer({ minimum: 1000, default: 30_000, description: "ms between pings; a client that misses one is closed" }),
    maxBufferedBytes: Type.Integer({ minimum: 1024, default: 1_000_000, description: "a client with more unsent data than this is dropped" }),
  }),
  inputs: 1,
  outputs: [],
  create(node, c) {
    const endpoint = node.ws.endpoint(c.path, { heartbeatMs: c.heartbeat, maxBufferedBytes: c.maxBufferedBytes });
    let sent = 0;
    return {
      input(msg, _send, done) {
        const value = c.property === "msg" ? msg : getPath(msg, c.property);
        endpoint.broadcast(value);
        sent += 1;
        if (sent % 10 === 1) node.status({ fill: "green", shape: "dot", text: `${endpoint.clientCount} client(s)` });
        done();
      },
    };
  },
});
