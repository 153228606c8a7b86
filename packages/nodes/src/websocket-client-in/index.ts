import { decodeUntrustedJson, decodeUtf8Strict, defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { checkWsUrl, ReconnectingWs } from "../shared/ws-client.js";

export default defineNode({
  type: "websocket-client-in",
  category: "network",
  summary: "Connects to a WebSocket server and sends one message per frame received; reconnects with backoff.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    url: Type.String({ minLength: 1, description: "ws:// or wss:// URL" }),
    format: Type.Union([Type.Literal("json"), Type.Literal("text"), Type.Literal("bytes")], { default: "json" }),
    topic: Type.String({ default: "", description: "msg.topic of every message (default: the URL)" }),
    maxBytes: Type.Integer({ minimum: 1, default: 1_048_576, description: "largest frame; a larger one closes the connection, which then reconnects" }),
    maxDepth: Type.Integer({ minimum: 1, maximum: 1000, default: 64 }),
    reconnectMinMs: Type.Integer({ minimum: 10, default: 500 }),
    reconnectMaxMs: Type.Integer({ minimum: 10, default: 30_000 }),
  }),
  inputs: 0,
  outputs: ["frame"],
  create(node, c) {
    const bad = checkWsUrl(c.url);
    if (bad) throw new Error(`config "url": ${bad}`);
    const topic = c.topic || c.url;
    const refuse = (reason: string, bytes: Buffer): void => {
      node.countRejected();
      node.deadLetter({ reason, source: c.url, payload: bytes });
      node.error(new Error(`frame from ${c.url} ${reason}`));
    };
    const client = new ReconnectingWs({ url: c.url, reconnectMinMs: c.reconnectMinMs, reconnectMaxMs: c.reconnectMaxMs, maxPayload: c.maxBytes }, node.timers, {
      open: () => node.status({ fill: "green", shape: "dot", text: `connected to ${c.url}` }),
      down: (reason, retryMs) => node.status({ fill: "red", shape: "ring", text: `${reason}; retry in ${retryMs} ms` }),
      message(bytes, isBinary) {
        let payload: unknown = bytes;
        if (c.format !== "bytes") {
          if (c.format === "text") {
            const text = decodeUtf8Strict(bytes);
            if (text === undefined) return refuse("is not valid UTF-8", bytes);
            payload = text;
          } else {
            const parsed = decodeUntrustedJson(bytes, { maxBytes: c.maxBytes, maxDepth: c.maxDepth });
            if (!parsed.ok) return refuse(parsed.reason, bytes);
            payload = parsed.value;
          }
        }
        void node.send(node.newMessage({ topic, payload, binary: isBinary }));
      },
    });
    return {
      start: () => client.connect(),
      close: () => client.close(),
    };
  },
});
