import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { checkWsUrl, ReconnectingWs } from "../shared/ws-client.js";

interface Waiting {
  data: string | Buffer;
  done: (err?: Error) => void;
}

export default defineNode({
  type: "websocket-client-out",
  category: "network",
  summary: "Connects to a WebSocket server and sends msg.payload as one frame per message; reconnects with backoff.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    url: Type.String({ minLength: 1, description: "ws:// or wss:// URL" }),
    reconnectMinMs: Type.Integer({ minimum: 10, default: 500 }),
    reconnectMaxMs: Type.Integer({ minimum: 10, default: 30_000 }),
    maxQueued: Type.Integer({ minimum: 0, default: 1000, description: "messages held while disconnected; more fail with an error" }),
  }),
  inputs: 1,
  outputs: [],
  create(node, c) {
    const bad = checkWsUrl(c.url);
    if (bad) throw new Error(`config "url": ${bad}`);
    const queue: Waiting[] = [];
    const deliver = (w: Waiting): void => {
      client.send(w.data).then(
        () => w.done(),
        (err: unknown) => w.done(new Error(`cannot send to ${c.url}: ${err instanceof Error ? err.message : String(err)}`)),
      );
    };
    const client = new ReconnectingWs({ url: c.url, reconnectMinMs: c.reconnectMinMs, reconnectMaxMs: c.reconnectMaxMs, maxPayload: 1_048_576 }, node.timers, {
      open() {
        node.status({ fill: "green", shape: "dot", text: `connected to ${c.url}` });
        for (const w of queue.splice(0)) deliver(w);
      },
      down: (reason, retryMs) => node.status({ fill: "red", shape: "ring", text: `${reason}; retry in ${retryMs} ms` }),
    });
    return {
      start: () => client.connect(),
      input(msg, _send, done) {
        const p = msg.payload;
        const data = typeof p === "string" ? p : Buffer.isBuffer(p) ? p : p instanceof Uint8Array ? Buffer.from(p) : JSON.stringify(p ?? null);
        const w: Waiting = { data, done: (err) => done(err) };
        if (client.isOpen) return deliver(w);
        if (queue.length >= c.maxQueued) return done(new Error(`not connected to ${c.url} and ${c.maxQueued} messages already wait (maxQueued)`));
        queue.push(w);
      },
      close() {
        for (const w of queue.splice(0)) w.done(new Error("node closed"));
        return client.close();
      },
    };
  },
});
