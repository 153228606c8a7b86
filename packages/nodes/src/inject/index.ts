import { defineNode, Type, setPath, type Message } from "@wattflow/runtime";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { ValueType, constantValue } from "../shared/value.js";
import { readDocs } from "../shared/docs.js";

const docs = readDocs(import.meta.url);

const config = Type.Object({
  payload: Type.Optional(Type.Unknown({ default: "", description: "the value sent as msg.payload" })),
  payloadType: { ...ValueType, default: "timestamp" } as typeof ValueType,
  topic: Type.Optional(Type.String({ description: "msg.topic" })),
  props: Type.Array(Type.Object({ path: Type.String({ minLength: 1 }), value: Type.Unknown() }), {
    default: [],
    description: "extra message properties",
  }),
  interval: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "repeat every, e.g. 10s, 5m" })),
  cron: Type.Optional(Type.String({ minLength: 1, description: "cron schedule, e.g. 0 2 * * * (seconds field optional)" })),
  timezone: Type.Optional(Type.String({ description: "IANA time zone for cron, e.g. Europe/Berlin (default: the runtime's)" })),
  once: Type.Boolean({ default: false, description: "send once when the flow starts" }),
  onceDelay: Type.String({ pattern: DURATION_PATTERN, default: "100ms", description: "wait this long after start before the once message" }),
});

export default defineNode({
  type: "inject",
  category: "common",
  summary: "Sends a message on an interval, on a cron schedule, once at start, or when triggered.",
  docs,
  config,
  inputs: 0,
  outputs: ["message"],
  create(node, c) {
    if (c.interval && c.cron) throw new Error("set either interval or cron, not both");
    const fixed = constantValue(c.payload, c.payloadType, node.env);
    let skipped = 0;

    const payloadNow = (): unknown => {
      if (fixed.constant) return fixed.value;
      if (c.payloadType === "date") return new Date().toISOString();
      return Date.now();
    };

    const fire = (): void => {
      if (node.isBlocked()) {
        skipped += 1;
        node.status({ fill: "yellow", shape: "ring", text: `paused: downstream full (${skipped} skipped)` });
        return;
      }
      let msg: Message = node.newMessage({ payload: payloadNow(), ...(c.topic ? { topic: c.topic } : {}) });
      for (const p of c.props) msg = setPath(msg, p.path, p.value);
      node.send(msg);
    };

    return {
      start() {
        if (c.once) node.timers.setTimeout(fire, parseDuration(c.onceDelay));
        if (c.interval) node.timers.setInterval(fire, Math.max(1, parseDuration(c.interval)));
        if (c.cron) {
          const job = node.timers.cron(c.cron, fire, c.timezone ? { timezone: c.timezone } : undefined);
          node.status({ fill: "blue", shape: "dot", text: `next: ${job.nextRun()?.toISOString() ?? "never"}` });
        }
      },
      trigger: fire,
    };
  },
});
