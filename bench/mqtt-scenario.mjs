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
 * The meter every system's sink feeds, so all are timed the same way: the clock starts when the written count
 * reaches `warmup` and stops when it reaches `total`, with no tap on the hot path. Call it with how many were
 * written (a batch counts all its readings); it returns the count so far and calls `onDone` once, with
 * `received`, `counted` (readings inside the clock) and `ms`.
 */
export function createMeter({ warmup, total, onDone }) {
  let count = 0;
  let startCount = 0;
  let startAt = -1;
  let done = false;
  return (n) => {
    if (n === 0 || done) return count;
    if (startAt < 0 && count + n >= warmup) {
      startAt = performance.now();
      startCount = count + n;
    }
    count += n;
    if (count >= total) {
      done = true;
      const ms = performance.now() - startAt;
      setImmediate(() => onDone({ received: count, counted: count - startCount, ms }));
    }
    return count;
  };
}
