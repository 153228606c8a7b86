import { defineNode, getPath, Type } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { timeOf } from "../shared/flatten.js";
import { isTimeZone, periodKey } from "../shared/calendar.js";

const config = Type.Object({
  mode: Type.Union([Type.Literal("off"), Type.Literal("on")], { default: "off", description: "off: watch and record nothing, send nothing" }),
  value: Type.String({ default: "payload.surplus_w", description: "message path of the surplus, W" }),
  time: Type.String({ default: "payload.timestamp", description: "message path of the reading time (ms or ISO); now when missing" }),
  threshold: Type.Number({ default: 1000, description: "the surplus must stay above this, W" }),
  hysteresis: Type.Number({ minimum: 0, default: 200, description: "a dip is forgiven until the surplus falls to threshold − hysteresis, W" }),
  minDuration: Type.String({ pattern: DURATION_PATTERN, default: "10m", description: "how long the surplus must hold before the command is sent" }),
  dailyCap: Type.Integer({ minimum: 0, default: 2, description: "at most this many commands per local day" }),
  timezone: Type.String({ default: "UTC", description: "IANA zone of the day the cap counts in" }),
  deviceId: Type.String({ minLength: 1, default: "site1", description: "heat pump the command is for ({id} in the topic)" }),
  topic: Type.String({ minLength: 1, default: "heatpump/{id}/commands", description: "MQTT topic of the command; {id} is the device id" }),
  command: Type.Record(Type.String(), Type.Unknown(), { default: { command: "boost" }, description: "the command's JSON body (reason and time are added)" }),
});

interface RuleState {
  /** When the surplus went above the threshold (ms), or null. */
  since: number | null;
  /** A command went out for the current surplus window. */
  acted: boolean;
  day: string;
  sentToday: number;
  /** Time of the previous reading (ms). */
  last: number | null;
}

const CONTEXT_KEY = "rule";

export default defineNode({
  type: "surplus-rule",
  category: "energy",
  summary: "Sends a command (a heat-pump boost) when the PV surplus stays above a threshold for a minimum time, with hysteresis and a daily cap; records why.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config,
  inputs: 1,
  outputs: ["command", "action"],
  create(node, c) {
    if (!isTimeZone(c.timezone)) throw new Error(`unknown time zone "${c.timezone}"`);
    const holdMs = parseDuration(c.minDuration);
    const release = c.threshold - c.hysteresis;
    const topic = c.topic.replaceAll("{id}", c.deviceId);
    // Kept in the store so a restart neither forgets the cap nor resends for the same window.
    const state: RuleState = node.context.get<RuleState>(CONTEXT_KEY) ?? { since: null, acted: false, day: "", sentToday: 0, last: null };
    const save = (): void => node.context.set(CONTEXT_KEY, state);
    if (c.mode === "off") node.status({ fill: "grey", shape: "ring", text: "off" });

    return {
      input(msg, send, done) {
        if (c.mode === "off") return done();
        const surplus = getPath(msg, c.value);
        if (typeof surplus !== "number" || !Number.isFinite(surplus)) {
          done(new Error(`surplus-rule: ${c.value} must be a number of watts (got ${JSON.stringify(surplus) ?? "nothing"})`));
          return;
        }
        const t = timeOf(getPath(msg, c.time));
        const day = periodKey("day", t, c.timezone);
        const before = JSON.stringify(state);
        // A new day, or a silence longer than the minimum time, starts over: nobody saw the surplus hold meanwhile.
        if (day !== state.day || (state.last !== null && t - state.last > holdMs)) Object.assign(state, { since: null, acted: false });
        if (day !== state.day) Object.assign(state, { day, sentToday: 0 });
        state.last = t;
        if (surplus <= release) Object.assign(state, { since: null, acted: false });
        else if (state.since === null && surplus > c.threshold) state.since = t;
        const heldMs = state.since === null ? 0 : t - state.since;
        if (state.since !== null && !state.acted && heldMs >= holdMs) {
          state.acted = true;
          const held = `surplus above ${c.threshold} W for ${Math.round(heldMs / 60_000)} min (now ${surplus} W)`;
          const base = { time: new Date(t).toISOString(), device_id: c.deviceId, topic, surplus_w: surplus, threshold_w: c.threshold, hysteresis_w: c.hysteresis, min_duration: c.minDuration };
          if (state.sentToday >= c.dailyCap) {
            send([null, { ...msg, payload: { ...base, action: "skipped", reason: `${held}, but the daily cap of ${c.dailyCap} is reached` } }]);
          } else {
            state.sentToday += 1;
            const reason = `${held}; command ${state.sentToday} of ${c.dailyCap} today`;
            send([
              { ...msg, topic, payload: { ...c.command, reason, time: base.time } },
              { ...msg, payload: { ...base, action: "command", command: c.command, reason } },
            ]);
          }
          node.status({ fill: "green", shape: "dot", text: `${state.sentToday}/${c.dailyCap} today` });
        }
        if (JSON.stringify(state) !== before) save();
        done();
      },
    };
  },
});
