import { defineNode, Type, Connection } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import type { HaState } from "./client.js";
import type { HomeAssistant } from "./connection.js";
import { OutageReport } from "../shared/outage.js";
import { PollCluster, startPolling } from "../shared/once-per-cluster.js";

const TO_WATTS: Record<string, number> = { W: 1, kW: 1000, MW: 1_000_000, mW: 0.001 };

export default defineNode({
  type: "ha-sensor",
  category: "devices",
  summary: "Reads a Home Assistant power sensor on an interval (and optionally live over the WebSocket API), in watts.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    server: Connection("home-assistant"),
    entity: Type.String({ pattern: "^[a-z_]+\\.[a-z0-9_]+$", description: "entity id, e.g. sensor.house_power" }),
    interval: Type.String({ pattern: DURATION_PATTERN, default: "10m", description: "how often the state is read" }),
    subscribe: Type.Boolean({ default: false, description: "also send every state change pushed over the WebSocket API" }),
    cluster: PollCluster,
  }),
  inputs: 1,
  outputs: ["reading"],
  create(node, c) {
    const ha = node.connection<HomeAssistant>(c.server);
    const sim = ha.simulated ? " (simulated)" : "";
    let skipped = 0;

    /** A state becomes a reading in W, or a reported problem; never a made-up zero. */
    const handle = (s: HaState, via: "poll" | "push"): void => {
      if (s.state === "unavailable" || s.state === "unknown") {
        skipped += 1;
        node.status({ fill: "yellow", shape: "ring", text: `${c.entity} is ${s.state} (${skipped} skipped)${sim}` });
        return;
      }
      const value = Number(s.state);
      const unit = s.attributes.unit_of_measurement ?? "W";
      const factor = TO_WATTS[unit];
      if (!Number.isFinite(value) || s.state.trim() === "") {
        node.error(new Error(`${c.entity} reported a non-numeric state "${s.state}"`), node.newMessage({ payload: s }));
        return;
      }
      if (factor === undefined) {
        node.error(new Error(`${c.entity} is in ${unit}, not a power unit (W, kW)`), node.newMessage({ payload: s }));
        return;
      }
      const watts = Math.round(value * factor * 1000) / 1000;
      node.status({ fill: "green", shape: "dot", text: `${watts} W at ${new Date().toISOString().slice(11, 16)}${sim}` });
      node.send(node.newMessage({ topic: c.entity, payload: { timestamp: new Date().toISOString(), power_w: watts }, source: { entity: c.entity, state: s.state, unit, via, changed: s.last_changed } }));
    };

    // An unreachable Home Assistant is reported when the problem starts or changes, then every few minutes.
    const outage = new OutageReport(node, `Home Assistant (${c.entity})`);
    const poll = async (): Promise<void> => {
      let state: HaState;
      try {
        state = await ha.client.state(c.entity);
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: `${err instanceof Error ? err.message : String(err)}${sim}` });
        outage.failed(err);
        return;
      }
      outage.succeeded();
      handle(state, "poll");
    };

    let unsubscribe: (() => void) | undefined;
    return {
      start() {
        startPolling(node, { cluster: c.cluster, everyMs: parseDuration(c.interval), firstAfterMs: 200, poll });
        if (c.subscribe) {
          unsubscribe = ha.client.subscribe(c.entity, (s) => handle(s, "push"), (err) => node.status({ fill: "red", shape: "ring", text: err.message }));
        }
      },
      async input(_msg, _send, done) {
        await poll();
        done();
      },
      trigger: poll,
      close() {
        unsubscribe?.();
      },
    };
  },
});
