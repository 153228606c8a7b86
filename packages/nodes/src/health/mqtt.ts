import type { ConnectionHealth } from "@wattflow/runtime";
import type { MqttSession } from "../mqtt/session.js";

/**
 * The health of an `mqtt-broker` connection, read from its session: up while
 * connected, down otherwise, with the reason and how often it reconnected.
 */
export function mqttHealth(session: MqttSession): () => ConnectionHealth {
  let reconnects = 0;
  session.client.on("reconnect", () => {
    reconnects += 1;
  });
  return () => {
    const state = session.state;
    if (state === "connected") return { status: "up", detail: "connected", reconnects, info: { unacknowledged: session.unacknowledged } };
    return { status: "down", detail: session.error ? `${state}: ${session.error}` : state, reconnects };
  };
}
