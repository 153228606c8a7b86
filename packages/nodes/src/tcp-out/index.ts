import { connect, type Socket } from "node:net";
import { defineNode, Type, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { Backoff, wireBytes } from "../shared/backoff.js";

interface Waiting {
  bytes: Buffer;
  settle: (err?: Error) => void;
}

export default defineNode({
  type: "tcp-out",
  category: "network",
  summary: "Keeps a TCP connection to a host and writes each msg.payload to it; reconnects with backoff.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    host: Type.String({ minLength: 1, description: "host to connect to" }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    newline: Type.Boolean({ default: false, description: "write a newline after each payload" }),
    reconnectMinMs: Type.Integer({ minimum: 10, default: 500, description: "first wait before reconnecting; doubles each failure" }),
    reconnectMaxMs: Type.Integer({ minimum: 10, default: 30_000, description: "longest wait before reconnecting" }),
    maxQueued: Type.Integer({ minimum: 0, default: 1000, description: "messages held while disconnected; more fail with an error" }),
  }),
  inputs: 1,
  outputs: [],
  create(node, c) {
    const target = `${c.host}:${c.port}`;
    const backoff = new Backoff(c.reconnectMinMs, Math.max(c.reconnectMinMs, c.reconnectMaxMs));
    const queue: Waiting[] = [];
    let socket: Socket | undefined;
    let connected = false;
    let closed = false;
    let retry: TimerHandle | undefined;

    const write = (w: Waiting): void => {
      socket!.write(w.bytes, (err) => w.settle(err ?? undefined));
    };
    const open = (): void => {
      if (closed) return;
      const s = connect({ host: c.host, port: c.port });
      socket = s;
      s.setNoDelay(true);
      s.on("connect", () => {
        connected = true;
        backoff.reset();
        node.status({ fill: "green", shape: "dot", text: `connected to ${target}` });
        for (const w of queue.splice(0)) write(w);
      });
      s.on("data", () => undefined); // replies are not this node's business; reading keeps the socket flowing
      s.on("error", (err) => node.log.warn({ target, err: err.message }, `tcp-out ${target}: ${err.message}`));
      s.on("close", () => {
        connected = false;
        if (socket === s) socket = undefined;
        if (closed) return;
        const delay = backoff.next();
        node.status({ fill: "red", shape: "ring", text: `disconnected from ${target}; retry in ${delay} ms` });
        retry = node.timers.setTimeout(open, delay);
      });
    };

    return {
      start() {
        open();
      },
      input(msg, _send, done) {
        const bytes = c.newline ? Buffer.concat([wireBytes(msg.payload), Buffer.from("\n")]) : wireBytes(msg.payload);
        const w: Waiting = { bytes, settle: (err) => (err ? done(new Error(`cannot write to ${target}: ${err.message}`)) : done()) };
        if (connected && socket) return write(w);
        if (queue.length >= c.maxQueued) return done(new Error(`not connected to ${target} and ${c.maxQueued} messages already wait (maxQueued)`));
        queue.push(w);
      },
      close() {
        closed = true;
        retry?.cancel();
        for (const w of queue.splice(0)) w.settle(new Error("node closed"));
        socket?.destroy();
      },
    };
  },
});
