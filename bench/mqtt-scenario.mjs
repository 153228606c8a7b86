import { subscribe, unsubscribe } from "node:diagnostics_channel";

/** The MQTT ingest benchmark's traffic, shared by its workers: HyperVolt sensor readings. */
export const FILTER = "HyperVolt/sensors/+/+";
const LOCATIONS = ["living_room", "kitchen", "bedroom", "garage"];
const TYPES = [
  ["temperature", "celsius"],
  ["humidity", "percent"],
  ["ldr", "lux"],
  ["current", "ampere"],
];
const T0 = Date.parse("2026-11-01T00:00:00Z");

/** Reading `i`: a unique time per message, so every stored point is its own row. */
export function reading(i) {
  const [sensor_type, unit] = TYPES[i % TYPES.length];
  const location = LOCATIONS[(i >> 2) % LOCATIONS.length];
  return {
    topic: `HyperVolt/sensors/${location}/${sensor_type}`,
    payload: { sensor_type, sensor_id: `${sensor_type}_${i % 16}`, value: Math.round((20 + Math.sin(i / 50) * 5) * 100) / 100, unit, location, timestamp: new Date(T0 + i * 1000).toISOString() },
  };
}

/** What both systems check of each reading. */
export const SCHEMA = {
  type: "object",
  required: ["sensor_type", "sensor_id", "value", "unit", "location", "timestamp"],
  properties: {
    sensor_type: { type: "string", minLength: 1 },
    sensor_id: { type: "string", minLength: 1 },
    value: { type: "number" },
    unit: { type: "string" },
    location: { type: "string", minLength: 1 },
    timestamp: { type: "string", format: "date-time" },
  },
};

/**
 * The clock every system is timed by, read at its connection to the broker at `url`, the same way for all
 * (Node's `net.client.socket` diagnostics channel: no hook into any client, nothing on the message path):
 * `connectedAt()` is when the first connection was up, `receivedAt()` when the `warmup`-th PUBLISH had arrived
 * on it (-1 before). The backlog waits in a persistent session that already holds the subscription, so the
 * broker hands it over from the connection on; counting PUBLISH packets in the bytes as they arrive (only until
 * the warm-up is in, then the listener goes) starts the clock by what the subscription received, not by what
 * a sink wrote: a sink that buffers cannot start its own clock late.
 */
export function subscriptionClock(url, warmup) {
  const port = Number(new URL(url).port);
  let connectedAt = -1;
  let receivedAt = -1;
  const onSocket = ({ socket }) =>
    socket.once("connect", () => {
      if (connectedAt >= 0 || socket.remotePort !== port) return;
      connectedAt = performance.now();
      unsubscribe("net.client.socket", onSocket);
      if (warmup <= 0) {
        receivedAt = connectedAt;
        return;
      }
      let publishes = 0;
      let header = [];
      let body = 0;
      const onData = (chunk) => {
        for (let i = 0; i < chunk.length; ) {
          if (body > 0) {
            const n = Math.min(body, chunk.length - i);
            i += n;
            body -= n;
            continue;
          }
          // A packet's fixed header: its type, then its remaining length in 1 to 4 bytes (high bit: more follow).
          header.push(chunk[i++]);
          if (header.length < 2 || header[header.length - 1] & 0x80) continue;
          for (let j = header.length - 1; j >= 1; j--) body = body * 128 + (header[j] & 0x7f);
          if (header[0] >> 4 === 3 && ++publishes === warmup) {
            receivedAt = performance.now();
            socket.off("data", onData);
            return;
          }
          header = [];
        }
      };
      socket.on("data", onData);
    });
  subscribe("net.client.socket", onSocket);
  return { connectedAt: () => connectedAt, receivedAt: () => receivedAt };
}

/**
 * The meter every system's sink feeds, so all are timed the same way, with no tap on the hot path. The clock
 * (see subscriptionClock) starts when the system's connection has received the `warmup`-th reading (by then its
 * code is compiled) and stops when the written count reaches `total`: `counted` is `total - warmup`, every
 * reading that arrived after the clock started, and what a sink still held at the start is written inside it.
 * Call it with how many were written (a batch counts all its readings); it returns the count so far and calls
 * `onDone` once, with `received`, `counted`, `ms`, and `fromConnectMs`: the whole drain from the connection,
 * start-up (connecting, compiling) included, for all `total` readings.
 */
export function createMeter({ warmup, total, clock, onDone }) {
  let count = 0;
  let done = false;
  return (n) => {
    if (n === 0 || done) return count;
    count += n;
    if (count >= total) {
      done = true;
      const end = performance.now();
      const receivedAt = clock.receivedAt();
      setImmediate(() => onDone({ received: count, counted: total - warmup, ms: end - receivedAt, fromConnectMs: end - clock.connectedAt() }));
    }
    return count;
  };
}
