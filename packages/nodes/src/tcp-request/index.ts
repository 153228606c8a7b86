import { connect } from "node:net";
import { defineNode, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { wireBytes } from "../shared/backoff.js";

export default defineNode({
  type: "tcp-request",
  category: "network",
  summary: "Sends msg.payload over a new TCP connection and sends on the reply: up to a delimiter, a byte count, or the server closing.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    reply: Type.Union([Type.Literal("delimiter"), Type.Literal("count"), Type.Literal("close")], {
      default: "delimiter",
      description: "delimiter: the reply ends at `delimiter`; count: after `count` bytes; close: when the server closes",
    }),
    delimiter: Type.String({ default: "\\n", minLength: 1, description: "end of the reply; \\n, \\r and \\t are understood" }),
    keepDelimiter: Type.Boolean({ default: false }),
    count: Type.Integer({ minimum: 1, default: 1 }),
    format: Type.Union([Type.Literal("utf8"), Type.Literal("buffer")], { default: "utf8", description: "the reply as text or as bytes" }),
    timeoutMs: Type.Integer({ minimum: 1, default: 5000, description: "the whole exchange, connecting included" }),
    maxBytes: Type.Integer({ minimum: 1, default: 1_048_576, description: "longest reply" }),
  }),
  inputs: 1,
  outputs: ["reply"],
  // One exchange at a time: many devices take one connection only, and replies stay in message order.
  concurrency: 1,
  create(node, c) {
    const target = `${c.host}:${c.port}`;
    const open = new Set<() => void>();
    const delimiter = Buffer.from(c.delimiter.replace(/\\n/g, "\n").replace(/\\r/g, "\r").replace(/\\t/g, "\t"), "utf8");

    /** The reply, or why there is none. */
    const exchange = (request: Buffer): Promise<Buffer> =>
      new Promise((resolve, reject) => {
        const s = connect({ host: c.host, port: c.port });
        let buffered = Buffer.alloc(0);
        let settled = false;
        const finish = (err: Error | undefined, reply?: Buffer): void => {
          if (settled) return;
          settled = true;
          open.delete(abort);
          timer.cancel();
          s.destroy();
          if (err) reject(err);
          else resolve(reply!);
        };
        const abort = (): void => finish(new Error("node closed"));
        open.add(abort);
        const timer = node.timers.setTimeout(() => finish(new Error(`no complete reply from ${target} within ${c.timeoutMs} ms`)), c.timeoutMs);
        s.on("connect", () => s.write(request));
        s.on("error", (err) => finish(new Error(`${target}: ${err.message}`)));
        s.on("data", (chunk: Buffer) => {
          buffered = Buffer.concat([buffered, chunk]);
          if (c.reply === "delimiter") {
            const at = buffered.indexOf(delimiter);
            if (at >= 0) return finish(undefined, buffered.subarray(0, c.keepDelimiter ? at + delimiter.length : at));
          } else if (c.reply === "count" && buffered.length >= c.count) return finish(undefined, buffered.subarray(0, c.count));
          if (buffered.length > c.maxBytes) finish(new Error(`reply from ${target} is over ${c.maxBytes} bytes (maxBytes)`));
        });
        s.on("end", () => {
          if (c.reply === "close") finish(undefined, buffered);
          else finish(new Error(`${target} closed the connection before the reply was complete (${buffered.length} bytes received)`));
        });
      });

    return {
      async input(msg, send, done) {
        try {
          const reply = await exchange(wireBytes(msg.payload));
          send({ ...msg, payload: c.format === "buffer" ? reply : reply.toString("utf8") });
          done();
        } catch (err) {
          done(err instanceof Error ? err : new Error(String(err)));
        }
      },
      close() {
        for (const abort of [...open]) abort();
      },
    };
  },
});
