import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { decodeUntrustedJson, decodeUtf8Strict, defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

export default defineNode({
  type: "udp-in",
  category: "network",
  summary: "Listens on a UDP port and sends one message per datagram: JSON, text or bytes.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    host: Type.String({ default: "127.0.0.1", minLength: 1, description: "interface to bind: 127.0.0.1 hears only this machine, 0.0.0.0 every network" }),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: "UDP port; 0 picks a free one (shown in the status)" }),
    format: Type.Union([Type.Literal("json"), Type.Literal("text"), Type.Literal("bytes")], { default: "json" }),
    topic: Type.String({ default: "udp", description: "msg.topic of every message" }),
    maxDepth: Type.Integer({ minimum: 1, maximum: 1000, default: 64, description: "JSON nested deeper is refused" }),
    group: Type.Optional(Type.String({ description: "multicast group to join (e.g. 239.1.2.3)" })),
  }),
  inputs: 0,
  outputs: ["datagram"],
  create(node, c) {
    let socket: Socket | undefined;
    let bound = `${c.host}:${c.port}`;
    let received = 0;
    let refused = 0;

    const refuse = (reason: string, source: string, bytes: Buffer): void => {
      refused += 1;
      node.countRejected();
      node.deadLetter({ reason, source, payload: bytes });
      node.error(new Error(`datagram from ${source} ${reason}`));
    };
    const decode = (bytes: Buffer, source: string): { ok: true; value: unknown } | undefined => {
      if (c.format === "bytes") return { ok: true, value: bytes };
      if (c.format === "text") {
        const text = decodeUtf8Strict(bytes);
        if (text === undefined) return refuse("is not valid UTF-8", source, bytes), undefined;
        return { ok: true, value: text };
      }
      // A datagram is at most 64 KiB: its size is bounded by the protocol.
      const parsed = decodeUntrustedJson(bytes, { maxBytes: 65_536, maxDepth: c.maxDepth });
      if (!parsed.ok) return refuse(parsed.reason, source, bytes), undefined;
      return parsed;
    };

    return {
      async start() {
        const s = createSocket({ type: isIPv6(c.host) ? "udp6" : "udp4", reuseAddr: c.group !== undefined });
        socket = s;
        try {
          await new Promise<void>((resolve, reject) => {
            s.once("error", reject);
            s.bind(c.port, c.host, () => {
              s.off("error", reject);
              resolve();
            });
          });
        } catch (err) {
          socket = undefined;
          s.close();
          node.status({ fill: "red", shape: "ring", text: `cannot bind ${bound}` });
          throw new Error(`cannot bind UDP host ${c.host} port ${c.port}: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (c.group) s.addMembership(c.group);
        const a = s.address();
        bound = `${a.address}:${a.port}`;
        node.status({ fill: "green", shape: "dot", text: `${bound} · listening` });
        s.on("error", (err) => node.error(new Error(`UDP socket on ${bound} failed: ${err.message}`)));
        s.on("message", (bytes, from) => {
          const source = `${from.address}:${from.port}`;
          const decoded = decode(bytes, source);
          if (!decoded) return;
          received += 1;
          if (received % 100 === 1) node.status({ fill: "green", shape: "dot", text: `${bound} · ${received} datagrams${refused ? ` · ${refused} refused` : ""}` });
          void node.send(node.newMessage({ topic: c.topic, payload: decoded.value, ip: from.address, port: from.port }));
        });
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
