import { defineNode, Type, setPath, type Message } from "@wattflow/runtime";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { ValueType, constantValue } from "../shared/value.js";
import { readDocs } from "../shared/docs.js";
import { gatedBySlot } from "../shared/once-per-cluster.js";

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
  cluster: Type.Union([Type.Literal("every"), Type.Literal("one")], {
    default: "every",
    description: "runtimes sharing a PostgreSQL store: each fires its own ticks (every), or one tick per interval or cron time fires on one of them (one)",
  }),
});

export default defineNode({
  type: "inject",
  category: "common",
  summary: "Sends a message on an interval, on a cron schedule, once at start, or when triggered.",
  get docs() {
    return readDocs(import.meta.url);
  },
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

    /**
     * A tick of a cluster-wide schedule. Its slot is the start of the interval period it falls in (runtimes'
     * timers tick at different moments within it), or the cron time to the nearest second (a timer may fire
     * a little late), in ms as the job gate keeps them, so every runtime names it alike, the gate fires each
     * slot once, and a new interval's slots still follow the old ones. A runtime waiting on the holder gives
     * up its wait at its next tick rather than keep one wait per tick.
     */
    const tick = (slotOf: (now: number) => number): (() => void) => {
      if (c.cluster !== "one") return fire;
      const gated = gatedBySlot(node, async () => fire());
      return () => gated(slotOf(Date.now()));
    };

    return {
      start() {
        if (c.once) node.timers.setTimeout(fire, parseDuration(c.onceDelay));
        if (c.interval) {
          const every = Math.max(1, parseDuration(c.interval));
          node.timers.setInterval(tick((now) => Math.floor(now / every) * every), every);
        }
        if (c.cron) {
          const job = node.timers.cron(c.cron, tick((now) => Math.round(now / 1000) * 1000), c.timezone ? { timezone: c.timezone } : undefined);
          node.status({ fill: "blue", shape: "dot", text: `next: ${job.nextRun()?.toISOString() ?? "never"}` });
        }
      },
      trigger: fire,
    };
  },
});
