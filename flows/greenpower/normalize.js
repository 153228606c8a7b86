// MQTT: topic greenpower/{device_id}/{kind}, payload a JSON object of the kind's fields (timestamp optional).
// TCP: one JSON object per line: {"device_id", "kind", "timestamp", ...fields}.
// Both become one reading {device_id, kind, timestamp, ...fields}, routed by kind to its schema (outputs in KINDS order, then rejected).
const KINDS = ["rt", "eny_now", "environment", "solar", "generator", "event"];
const source = msg.client !== undefined ? "tcp" : "mqtt";
const where = source === "tcp" ? `tcp ${msg.client.address}:${msg.client.port}` : msg.topic;
const route = (i, m) => { const out = [null, null, null, null, null, null, null]; out[i] = m; return out; };
const reject = (message) => route(6, { ...msg, source, where, errors: [{ path: "", message }] });
const p = msg.payload;
if (p === null || typeof p !== "object" || Array.isArray(p)) return reject(`a reading is a JSON object, got ${Array.isArray(p) ? "an array" : p === null ? "null" : typeof p}`);
const reading = { ...p };
if (source === "mqtt") {
  // The topic names the device and the kind; a payload may repeat them, but not contradict them.
  for (const k of ["device_id", "kind"]) {
    if (p[k] !== undefined && p[k] !== msg.params[k]) return reject(`/${k} ${JSON.stringify(p[k])} differs from the topic's ${JSON.stringify(msg.params[k])}`);
    reading[k] = msg.params[k];
  }
}
const i = KINDS.indexOf(reading.kind);
if (i < 0) return reject(`/kind must be one of ${KINDS.join(", ")} (got ${JSON.stringify(reading.kind)})`);
// Time: ISO 8601 (without an offset it is UTC), or a number (seconds since the epoch below 1e11, else milliseconds); missing: now.
const t = reading.timestamp;
if (t === undefined || t === null) reading.timestamp = new Date().toISOString();
else if (typeof t === "number") {
  const ms = t < 1e11 ? t * 1000 : t;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return reject(`/timestamp ${t} is not a time`);
  reading.timestamp = new Date(ms).toISOString();
} else if (typeof t === "string" && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?$/.test(t)) reading.timestamp = `${t.replace(" ", "T")}Z`;
return route(i, { ...msg, source, where, payload: reading });
