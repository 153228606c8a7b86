import { defineNode, getPath, parsePath, setPath, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

export default defineNode({
  type: "range",
  category: "function",
  summary: "Maps a number from an input range to an output range: scale, clamp to the range, or wrap around it.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    action: Type.Union([Type.Literal("scale"), Type.Literal("clamp"), Type.Literal("wrap")], {
      default: "scale",
      description: "scale: linear, values outside the input range map outside the output range; clamp: limited to the output range; wrap: values outside the input range roll around it",
    }),
    inMin: Type.Number({ default: 0 }),
    inMax: Type.Number({ default: 1023 }),
    outMin: Type.Number({ default: 0 }),
    outMax: Type.Number({ default: 100 }),
    round: Type.Boolean({ default: false, description: "round the result to the nearest integer" }),
    property: Type.String({ default: "payload", minLength: 1 }),
  }),
  inputs: 1,
  outputs: ["scaled"],
  create(node, c) {
    if (c.inMin === c.inMax) throw new Error(`config "inMin" and "inMax": the input range is empty (both ${c.inMin})`);
    const path = parsePath(c.property);
    const lo = Math.min(c.inMin, c.inMax);
    const hi = Math.max(c.inMin, c.inMax);
    const span = hi - lo;
    const scale = (v: number): number => ((v - c.inMin) / (c.inMax - c.inMin)) * (c.outMax - c.outMin) + c.outMin;
    return {
      input(msg: Message, send, done) {
        const raw = getPath(msg, path);
        const v = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
        if (!Number.isFinite(v)) {
          node.countRejected();
          return done(new Error(`${c.property} is not a number (${JSON.stringify(raw)?.slice(0, 40)})`));
        }
        let x = v;
        if (c.action === "clamp") x = Math.min(hi, Math.max(lo, x));
        else if (c.action === "wrap") x = ((((x - lo) % span) + span) % span) + lo;
        let out = scale(x);
        if (c.round) out = Math.round(out);
        send(setPath(msg, path, out));
        done();
      },
    };
  },
});
