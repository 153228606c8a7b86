import { defineNode, getPath, parsePath, setPath, Type, type Message, type PathSegment } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { derive, partsOf } from "../shared/parts.js";

export default defineNode({
  type: "sort",
  category: "sequence",
  summary: "Sorts the array in msg.payload, or the messages of a sequence (msg.parts), by a value or a property.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    target: Type.Union([Type.Literal("payload"), Type.Literal("sequence")], {
      default: "payload",
      description: "payload: the array in msg.payload; sequence: the messages of a sequence from split or batch, sent on once all arrived",
    }),
    key: Type.Optional(Type.String({ minLength: 1, description: "payload: a property of each element (default: the element itself); sequence: a message property (default: payload)" })),
    order: Type.Union([Type.Literal("ascending"), Type.Literal("descending")], { default: "ascending" }),
    numeric: Type.Boolean({ default: false, description: "compare as numbers (\"10\" after \"9\")" }),
    maxParts: Type.Integer({ minimum: 1, default: 100_000, description: "sequence: most messages one sequence may hold" }),
    maxGroups: Type.Integer({ minimum: 1, default: 1000, description: "sequence: most sequences open at once" }),
  }),
  inputs: 1,
  outputs: ["sorted"],
  create(node, c) {
    const keyPath: PathSegment[] | undefined = c.key !== undefined ? parsePath(c.key) : c.target === "sequence" ? parsePath("payload") : undefined;
    const sign = c.order === "descending" ? -1 : 1;
    const valueOf = (item: unknown): unknown => (keyPath === undefined ? item : getPath(item, keyPath));
    const compare = (a: unknown, b: unknown): number => {
      const x = valueOf(a);
      const y = valueOf(b);
      if (c.numeric) {
        const nx = Number(x);
        const ny = Number(y);
        // Non-numbers sort last either way.
        if (Number.isNaN(nx) || Number.isNaN(ny)) return Number.isNaN(nx) ? (Number.isNaN(ny) ? 0 : 1) : -1;
        return sign * (nx - ny);
      }
      if (x === y) return 0;
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      return sign * (typeof x === "number" && typeof y === "number" ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0);
    };
    const groups = new Map<string, Message[]>();

    return {
      input(msg, send, done) {
        if (c.target === "payload") {
          if (!Array.isArray(msg.payload)) return done(new Error("msg.payload is not an array (target \"payload\")"));
          send(setPath(msg, "payload", [...(msg.payload as unknown[])].sort(compare)));
          return done();
        }
        const parts = partsOf(msg);
        if (!parts || parts.count === undefined) return done(new Error("msg.parts is missing, or has no count: sorting a sequence needs messages from split or batch"));
        let group = groups.get(parts.id);
        if (!group) {
          if (groups.size >= c.maxGroups) {
            const oldest = groups.keys().next().value as string;
            groups.delete(oldest);
            node.log.warn(`${node.flowId}/${node.id}: more than ${c.maxGroups} sequences open (config "maxGroups"); the oldest, ${oldest}, was discarded`);
          }
          group = [];
          groups.set(parts.id, group);
        }
        group.push(msg);
        if (group.length > c.maxParts) {
          groups.delete(parts.id);
          return done(new Error(`sequence ${parts.id} is over ${c.maxParts} messages (config "maxParts")`));
        }
        if (group.length >= parts.count) {
          groups.delete(parts.id);
          const sorted = [...group].sort(compare);
          // Renumbered in the new order, so a join after the sort keeps it.
          sorted.forEach((m, index) => send(node.newMessage(derive(m, { parts: { ...partsOf(m)!, index } }))));
        }
        done();
      },
    };
  },
});
