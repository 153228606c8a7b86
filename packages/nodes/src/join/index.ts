import { defineNode, Type, type Message, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { derive, partsOf, type Parts } from "../shared/parts.js";

/** A sequence being put together. */
interface Group {
  /** auto/reduce: by index; manual: in arrival order. */
  items: Map<number, Message>;
  order: Message[];
  count: number | undefined;
  type: Parts["type"];
  ch: string | undefined;
  len: number | undefined;
  last: Message;
  timer?: TimerHandle;
}

export default defineNode({
  type: "join",
  category: "sequence",
  summary: "Joins a sequence of messages into one: puts a split back together, collects by count or time, or reduces a sequence to a sum, mean, min or max.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    mode: Type.Union([Type.Literal("auto"), Type.Literal("manual"), Type.Literal("reduce")], {
      default: "auto",
      description: "auto: reassemble what `split` (or `batch`) marked with msg.parts; manual: collect into `build`; reduce: one number from a sequence's payloads",
    }),
    build: Type.Union([Type.Literal("array"), Type.Literal("object"), Type.Literal("string"), Type.Literal("merged")], {
      default: "array",
      description: "manual: an array of payloads, an object keyed by msg.topic, a string joined by `joiner`, or the payload objects merged into one",
    }),
    joiner: Type.String({ default: "\\n", description: "manual string: put between the pieces (\\n, \\t understood)" }),
    count: Type.Optional(Type.Integer({ minimum: 1, description: "manual: send after this many messages" })),
    timeout: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "send what arrived this long after a sequence's first message" })),
    operation: Type.Union([Type.Literal("sum"), Type.Literal("mean"), Type.Literal("min"), Type.Literal("max"), Type.Literal("count")], {
      default: "sum",
      description: "reduce: what to compute from the sequence's numeric payloads",
    }),
    maxParts: Type.Integer({ minimum: 1, default: 100_000, description: "most messages one sequence may hold" }),
    maxGroups: Type.Integer({ minimum: 1, default: 1000, description: "most sequences open at once (the oldest is sent as it is past this)" }),
  }),
  inputs: 1,
  outputs: ["joined"],
  create(node, c) {
    if (c.mode === "manual" && c.count === undefined && c.timeout === undefined) {
      node.log.info(`${node.flowId}/${node.id}: manual join without count or timeout sends only on msg.complete`);
    }
    const timeoutMs = c.timeout === undefined ? 0 : parseDuration(c.timeout);
    const joiner = c.joiner.replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\r/g, "\r");
    const groups = new Map<string, Group>();

    const finish = (id: string, g: Group): void => {
      g.timer?.cancel();
      groups.delete(id);
      const msgs = c.mode === "manual" ? g.order : [...g.items.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
      if (msgs.length === 0) return;
      const outer = (partsOf(g.last) as Parts | undefined)?.parts;
      const base = derive(g.last, {});
      delete base.parts;
      delete base.complete;
      if (outer !== undefined) base.parts = outer;
      void node.send(node.newMessage({ ...base, payload: assemble(g, msgs) }));
    };

    const assemble = (g: Group, msgs: Message[]): unknown => {
      if (c.mode === "reduce") {
        const nums = msgs.map((m) => Number(m.payload)).filter((n) => Number.isFinite(n));
        if (c.operation === "count") return msgs.length;
        if (nums.length === 0) return null;
        // Loops, not Math.min(...nums): a sequence of 100,000 would overflow the stack as arguments.
        if (c.operation === "min") return nums.reduce((a, b) => (b < a ? b : a));
        if (c.operation === "max") return nums.reduce((a, b) => (b > a ? b : a));
        const sum = nums.reduce((a, b) => a + b, 0);
        return c.operation === "sum" ? sum : sum / nums.length;
      }
      const type = c.mode === "manual" ? ({ array: "array", object: "object", string: "string", merged: "merged" } as const)[c.build] : (g.type ?? "array");
      switch (type) {
        case "string":
          return msgs.map((m) => (typeof m.payload === "string" ? m.payload : JSON.stringify(m.payload))).join(c.mode === "manual" ? joiner : (g.ch ?? ""));
        case "object": {
          const out: Record<string, unknown> = {};
          for (const m of msgs) {
            const key = c.mode === "manual" ? m.topic : partsOf(m)?.key;
            if (key !== undefined) out[String(key)] = m.payload;
          }
          return out;
        }
        case "merged":
        {
          const merged: Record<string, unknown> = {};
          for (const m of msgs) if (m.payload !== null && typeof m.payload === "object") Object.assign(merged, m.payload);
          return merged;
        }
        default:
          // Groups from a split by `chunkLength` are flattened back.
          return g.len !== undefined ? msgs.flatMap((m) => (Array.isArray(m.payload) ? m.payload : [m.payload])) : msgs.map((m) => m.payload);
      }
    };

    const open = (id: string, msg: Message): Group => {
      let g = groups.get(id);
      if (g) return g;
      if (groups.size >= c.maxGroups) {
        const [oldest, og] = groups.entries().next().value as [string, Group];
        finish(oldest, og);
      }
      g = { items: new Map(), order: [], count: undefined, type: undefined, ch: undefined, len: undefined, last: msg };
      groups.set(id, g);
      if (timeoutMs > 0) {
        const group = g;
        g.timer = node.timers.setTimeout(() => finish(id, group), timeoutMs);
      }
      return g;
    };

    return {
      input(msg, _send, done) {
        if (c.mode === "manual") {
          const g = open("", msg);
          if (msg.payload !== undefined || msg.complete === undefined) {
            g.order.push(msg);
            g.last = msg;
          }
          if (g.order.length > c.maxParts) return (finish("", g), done(new Error(`over ${c.maxParts} messages (config "maxParts"): sent what had arrived`)));
          if (msg.complete !== undefined || (c.count !== undefined && g.order.length >= c.count)) finish("", g);
          return done();
        }
        const parts = partsOf(msg);
        if (!parts) return done(new Error(`msg.parts is missing or has no id and index: ${c.mode} join needs messages from split or batch (or use mode "manual")`));
        const g = open(parts.id, msg);
        g.items.set(parts.index, msg);
        g.last = msg;
        if (parts.count !== undefined) g.count = parts.count;
        g.type ??= parts.type;
        g.ch ??= parts.ch;
        g.len ??= parts.len;
        if (g.items.size > c.maxParts) return (finish(parts.id, g), done(new Error(`sequence ${parts.id} is over ${c.maxParts} messages (config "maxParts")`)));
        if (msg.complete !== undefined || (g.count !== undefined && g.items.size >= g.count)) finish(parts.id, g);
        done();
      },
      close() {
        for (const g of groups.values()) g.timer?.cancel();
        groups.clear();
      },
    };
  },
});
