import { defineNode, Type, getPath, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { timeOf } from "../shared/flatten.js";
import { boundsProblem, step, type AlertState, type RuleBounds, type RuleOp } from "./rules.js";

const rule = Type.Object({
  name: Type.String({ minLength: 1, description: "the alert's type, e.g. high_outlet_temperature" }),
  path: Type.String({ minLength: 1, description: "message path of the value (a number, or a numeric string)" }),
  op: Type.Union([Type.Literal("above"), Type.Literal("below"), Type.Literal("outside")]),
  limit: Type.Optional(Type.Number({ description: "above/below: raised when the value is beyond it" })),
  low: Type.Optional(Type.Number({ description: "outside: raised below this" })),
  high: Type.Optional(Type.Number({ description: "outside: raised above this" })),
  clear: Type.Optional(Type.Number({ description: "above/below: cleared once the value is back to this level (default: the limit, less the hysteresis)" })),
  hysteresis: Type.Number({ minimum: 0, default: 0, description: "how far back inside the bound the value must come to clear" }),
  for: Type.String({ pattern: DURATION_PATTERN, default: "0s", description: "raised only once the value has stayed beyond the bound this long (by reading times)" }),
  severity: Type.String({ default: "warning", description: "copied into the alert (info, warning, critical)" }),
  message: Type.Optional(Type.String({ description: "alert text; {value}, {threshold}, {key} and {name} are filled in" })),
  unless: Type.Optional(
    Type.Array(Type.Object({ path: Type.String({ minLength: 1 }), equals: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]) }), {
      description: "skip the rule for a message where any of these paths holds the value, compared as text (e.g. the compressor is off)",
    }),
  ),
});

const config = Type.Object({
  key: Type.Optional(Type.String({ description: "message path of the device or tag the alerts are kept per (one state per key and rule)" })),
  keyAs: Type.Optional(Type.String({ minLength: 1, description: "name of the key in the alert (default: the key path's last segment)" })),
  time: Type.String({ default: "payload.timestamp", description: "message path of the reading time (ms or ISO); arrival time when missing" }),
  rules: Type.Array(rule, { minItems: 1 }),
});

const CONTEXT_KEY = "alerts";

type Stored = Record<string, AlertState>;

const fill = (template: string, values: Record<string, unknown>): string => template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));

const defaultMessage: Record<RuleOp, string> = {
  above: "{name}: {value} is above {threshold}",
  below: "{name}: {value} is below {threshold}",
  outside: "{name}: {value} is outside the allowed range (beyond {threshold})",
};

export default defineNode({
  type: "threshold-alert",
  category: "monitoring",
  summary: "Threshold rules over fields (above, below, outside; clear level or hysteresis; minimum duration) per key: each alert raised once and cleared once, across restarts.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["raised", "cleared"],
  create(node, c) {
    const rules = c.rules.map((r, i) => {
      const bounds: RuleBounds = {
        op: r.op as RuleOp,
        ...(r.limit !== undefined ? { limit: r.limit } : {}),
        ...(r.low !== undefined ? { low: r.low } : {}),
        ...(r.high !== undefined ? { high: r.high } : {}),
        ...(r.clear !== undefined ? { clear: r.clear } : {}),
        hysteresis: r.hysteresis,
        forMs: parseDuration(r.for),
      };
      const problem = boundsProblem(bounds);
      if (problem) throw new Error(`rules/${i} (${r.name}): ${problem}`);
      return { ...r, bounds };
    });
    const names = new Set<string>();
    for (const r of rules) {
      if (names.has(r.name)) throw new Error(`rules: the name "${r.name}" is used twice; alerts are told apart by name`);
      names.add(r.name);
    }
    const keyAs = c.keyAs ?? (c.key ? c.key.split(".").pop()! : "key");

    // Alerts live in the store, so a restart neither repeats a raised alert nor forgets to clear it.
    const states = new Map<string, AlertState>(Object.entries(node.context.get<Stored>(CONTEXT_KEY) ?? {}).filter(([k]) => names.has(k.slice(k.lastIndexOf("\u0000") + 1))));
    const save = (): void => node.context.set(CONTEXT_KEY, Object.fromEntries(states));
    const showStatus = (): void => {
      const raised = [...states.values()].filter((s) => s.phase === "raised").length;
      node.status(raised ? { fill: "red", shape: "dot", text: `${raised} alert(s) raised` } : { fill: "green", shape: "dot", text: "no alerts" });
    };
    showStatus();

    const numberAt = (msg: Message, path: string): number | undefined => {
      const v = getPath(msg, path);
      const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
      return Number.isFinite(n) ? n : undefined;
    };

    return {
      input(msg, send, done) {
        const key = c.key ? String(getPath(msg, c.key) ?? "") : "";
        const t = timeOf(getPath(msg, c.time));
        const raised: Message[] = [];
        const cleared: Message[] = [];
        let changed = false;
        for (const r of rules) {
          // Compared as text: config coercion may turn `false` into "false".
          if (r.unless?.some((u) => String(getPath(msg, u.path)) === String(u.equals))) continue;
          const value = numberAt(msg, r.path);
          if (value === undefined) continue;
          const id = `${key}\u0000${r.name}`;
          const before = states.get(id);
          const { state, transition } = step(r.bounds, before, value, t);
          if (state !== before) {
            if (state) states.set(id, state);
            else states.delete(id);
            changed = true;
          }
          if (!transition) continue;
          const values = { value, threshold: transition.threshold, key, name: r.name };
          const base = { [keyAs]: key, type: r.name, severity: r.severity, value, threshold: transition.threshold, source: "rule", timestamp: new Date(t).toISOString() };
          if (transition.kind === "raise") {
            const text = fill(r.message ?? defaultMessage[r.op as RuleOp], values);
            raised.push({ ...msg, payload: { ...base, state: "raised", message: text, since: new Date(transition.since).toISOString() } });
          } else {
            cleared.push({ ...msg, payload: { ...base, state: "cleared", message: `${r.name} cleared: ${value} is back within ${transition.threshold}`, raised_at: new Date(transition.raisedAt).toISOString() } });
          }
        }
        if (changed) {
          save();
          showStatus();
        }
        send([raised, cleared]);
        done();
      },
    };
  },
});
