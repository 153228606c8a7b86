import { defineNode, Type, type NodeStatus, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { decodeLine } from "./decode.js";
import { LineServer } from "./listener.js";

/** Status changes with every line; the editor needs it at most this often. */
const STATUS_INTERVAL_MS = 1000;

export default defineNode({
  type: "tcp-in",
  category: "network",
  summary: "Listens on a TCP port for newline-delimited JSON (or text) and sends one message per line.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    host: Type.String({ default: "127.0.0.1", minLength: 1, description: "interface to listen on: 127.0.0.1 accepts only this machine, 0.0.0.0 every network" }),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: "TCP port; 0 picks a free one (shown in the status)" }),
    format: Type.Union([Type.Literal("json"), Type.Literal("text")], { default: "json", description: "json: each line is one JSON value; text: each line is sent as a string" }),
    topic: Type.String({ default: "tcp", description: "msg.topic of every message" }),
    maxLineBytes: Type.Integer({ minimum: 1, default: 65_536, description: "longer lines are discarded and reported" }),
    maxDepth: Type.Integer({ minimum: 1, maximum: 1000, default: 64, description: "JSON lines nested deeper than this many arrays/objects are refused and reported" }),
    closeOnOversize: Type.Boolean({ default: false, description: "close a connection that sends an oversize line (default: skip the line, keep the connection)" }),
    maxConnections: Type.Integer({ minimum: 1, default: 100, description: "further connections are closed at once" }),
  }),
  inputs: 0,
  outputs: ["line"],
  create(node, c) {
    const format = c.format;
    const counts = { lines: 0, invalid: 0, oversize: 0, refused: 0 };
    let bound = `${c.host}:${c.port}`;
    let listening = false;
    let paused = false;
    let closed = false;
    let statusTimer: TimerHandle | null = null;

    const showStatus = (): void => {
      statusTimer?.cancel();
      statusTimer = null;
      if (!listening) return;
      const parts = [bound, `${server.connectionCount} conn`, `${counts.lines} lines`];
      if (counts.invalid > 0) parts.push(`${counts.invalid} invalid`);
      if (counts.oversize > 0) parts.push(`${counts.oversize} oversize`);
      if (counts.refused > 0) parts.push(`${counts.refused} refused`);
      if (paused) parts.push("paused: downstream busy");
      const status: NodeStatus = paused ? { fill: "yellow", shape: "ring", text: parts.join(" · ") } : { fill: "green", shape: "dot", text: parts.join(" · ") };
      node.status(status);
    };
    const statusSoon = (): void => {
      if (!statusTimer && listening) statusTimer = node.timers.setTimeout(showStatus, STATUS_INTERVAL_MS);
    };

    // Checked after every line: a `block` queue holds only twice its size, and one chunk can carry more lines.
    // Every connection pauses together: they share the downstream queue.
    const checkBlocked = (): void => {
      if (paused || closed || !node.isBlocked()) return;
      paused = true;
      server.pause();
      showStatus();
      void node.whenUnblocked().then(() => {
        paused = false;
        if (closed) return;
        server.resume();
        showStatus();
      });
    };

    const server = new LineServer(
      { host: c.host, port: c.port, maxLineBytes: c.maxLineBytes, closeOnOversize: c.closeOnOversize, maxConnections: c.maxConnections },
      {
        line(client, label, bytes, lineNo) {
          const decoded = decodeLine(bytes, format, c.maxDepth);
          if (decoded.kind === "blank") return;
          if (decoded.kind === "invalid") {
            counts.invalid += 1;
            node.countRejected();
            node.deadLetter({ reason: decoded.reason, source: `${label} line ${lineNo}`, payload: bytes });
            node.error(new Error(`line ${lineNo} from ${label} ${decoded.reason}`), node.newMessage({ topic: c.topic, client, line: lineNo }));
            statusSoon();
            return;
          }
          counts.lines += 1;
          node.send(node.newMessage({ topic: c.topic, payload: decoded.value, client }));
          statusSoon();
          checkBlocked();
        },
        oversize(client, label, bytes, lineNo, complete) {
          counts.oversize += 1;
          node.countRejected();
          // The line was never buffered: only its size is known.
          node.deadLetter({ reason: `is ${complete ? "" : "at least "}${bytes} bytes, more than maxLineBytes (${c.maxLineBytes})`, source: `${label} line ${lineNo}`, size: bytes });
          const size = complete ? `${bytes} bytes` : `at least ${bytes} bytes`;
          const outcome = c.closeOnOversize ? "; connection closed" : "; line skipped";
          node.error(new Error(`line ${lineNo} from ${label} is ${size}, more than maxLineBytes (${c.maxLineBytes})${outcome}`), node.newMessage({ topic: c.topic, client, line: lineNo }));
          statusSoon();
        },
        connections: statusSoon,
        refused(label) {
          counts.refused += 1;
          node.log.warn({ client: label, maxConnections: c.maxConnections }, `refused ${label}: already ${c.maxConnections} connections (maxConnections)`);
          statusSoon();
        },
        socketError(label, err) {
          // A client resetting its connection is routine for field devices, not a flow error.
          node.log.warn({ client: label, err: err.message }, `connection from ${label} failed: ${err.message}`);
        },
      },
    );
    // Errors while starting to listen are start()'s to report; this hears the ones after.
    server.onServerError((err) => {
      if (listening) node.error(new Error(`listener on ${bound} failed: ${err.message}`));
    });

    return {
      async start() {
        try {
          const address = await server.listen();
          bound = address.family === "IPv6" ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          node.status({ fill: "red", shape: "ring", text: `cannot listen on ${bound}` });
          throw new Error(`cannot listen on host ${c.host} port ${c.port}: ${why}`);
        }
        listening = true;
        showStatus();
      },
      async close() {
        closed = true;
        listening = false;
        statusTimer?.cancel();
        await server.close();
      },
    };
  },
});
