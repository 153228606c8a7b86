import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { wireBytes } from "../shared/backoff.js";

export default defineNode({
  type: "udp-out",
  category: "network",
  summary: "Sends msg.payload as one UDP datagram to a host and port.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    host: Type.String({ minLength: 1, description: "host to send to" }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    broadcast: Type.Boolean({ default: false, description: "allow sending to a broadcast address" }),
  }),
  inputs: 1,
  outputs: [],
  create(node, c) {
    const target = `${c.host}:${c.port}`;
    let socket: Socket | undefined;
    return {
      async start() {
        const s = createSocket(isIPv6(c.host) ? "udp6" : "udp4");
        socket = s;
        s.on("error", (err) => node.log.warn({ target, err: err.message }, `udp-out ${target}: ${err.message}`));
        if (c.broadcast) await new Promise<void>((resolve) => s.bind(0, () => (s.setBroadcast(true), resolve())));
      },
      input(msg, _send, done) {
        const bytes = wireBytes(msg.payload);
        if (bytes.length > 65_507) return done(new Error(`payload is ${bytes.length} bytes; a UDP datagram carries at most 65507`));
        socket!.send(bytes, c.port, c.host, (err) => done(err ? new Error(`cannot send to ${target}: ${err.message}`) : undefined));
      },
      close() {
        return new Promise<void>((resolve) => {
          if (!socket) return resolve();
          socket.close(() => resolve());
        });
      },
    };
  },
});
