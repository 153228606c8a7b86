import { defineNode, Type, type Message, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { derive, newSequenceId } from "../shared/parts.js";

export default defineNode({
  type: "batch",
  category: "sequence",
  summary: "Groups messages into sequences by count (with overlap) or by time interval, marked with msg.parts for `join`.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    mode: Type.Union([Type.Literal("count"), Type.Literal("interval")], { default: "count" }),
    count: Type.Integer({ minimum: 1, default: 10, description: "count mode: messages per sequence" }),
    overlap: Type.Integer({ minimum: 0, default: 0, description: "count mode: messages of one sequence repeated at the start of the next" }),
    interval: Type.String({ pattern: DURATION_PATTERN, default: "10s", description: "interval mode: one sequence per interval" }),
    allowEmpty: Type.Boolean({ default: false, description: "interval mode: send a message with an empty payload when nothing arrived" }),
    maxParts: Type.Integer({ minimum: 1, default: 100_000, description: "interval mode: a sequence is sent early when it reaches this many messages" }),
  }),
  inputs: 1,
  outputs: ["sequence"],
  create(node, c) {
    if (c.mode === "count" && c.overlap >= c.count) throw new Error(`config "overlap" (${c.overlap}) must be smaller than "count" (${c.count})`);
    let pending: Message[] = [];

    const flush = (msgs: Message[]): void => {
      const id = newSequenceId();
      msgs.forEach((m, index) => void node.send(node.newMessage(derive(m, { parts: { id, index, count: msgs.length } }))));
    };

    let ticker: TimerHandle | undefined;
    if (c.mode === "interval") {
      ticker = node.timers.setInterval(() => {
        const msgs = pending;
        pending = [];
        if (msgs.length > 0) flush(msgs);
        else if (c.allowEmpty) void node.send(node.newMessage({ payload: [] }));
      }, parseDuration(c.interval));
    }

    return {
      input(msg, _send, done) {
        if (msg.reset !== undefined) {
          pending = [];
          return done();
        }
        pending.push(msg);
        if (c.mode === "count" && pending.length >= c.count) {
          const msgs = pending;
          pending = c.overlap > 0 ? msgs.slice(msgs.length - c.overlap) : [];
          flush(msgs);
        } else if (c.mode === "interval" && pending.length >= c.maxParts) {
          const msgs = pending;
          pending = [];
          flush(msgs);
        }
        done();
      },
      close() {
        ticker?.cancel();
        pending = [];
      },
    };
  },
});
