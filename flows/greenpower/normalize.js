// MQTT: topic greenpower/{device_id}/{kind}, payload a JSON object of the kind's fields. TCP: one JSON object per line with
// device_id and kind. Both become one reading {device_id, kind, timestamp (ISO 8601), ...fields}; problems go to output 2.
const KINDS = ["rt", "eny_now", "environment", "solar", "generator", "event"];
const source = msg.client !== undefined ? "tcp" : "mqtt";
const where = source === "tcp" ? `tcp ${msg.client.address}:${msg.client.port}` : msg.topic;
const reject = (message) => [null, { ...msg, source, where, errors: [{ path: "", message }] }];
const { payload: p } = msg;
if (p === null || typeof p !== "object" || Array.isArray(p)) return reject(`a reading is a JSON object, got ${Array.isArray(p) ? "an array" : p === null ? "null" : typeof p}`);
// The topic names the device and the kind; a payload may repeat them, but not contradict them.
const clash = source === "mqtt" && ["device_id", "kind"].find((k) => p[k] !== undefined && p[k] !== msg.params[k]);
if (clash) return reject(`/${clash} ${JSON.stringify(p[clash])} differs from the topic's ${JSON.stringify(msg.params[clash])}`);
const reading = source === "mqtt" ? { ...p, device_id: msg.params.device_id, kind: msg.params.kind } : { ...p };
if (!KINDS.includes(reading.kind)) return reject(`/kind must be one of ${KINDS.join(", ")} (got ${JSON.stringify(reading.kind)})`);
// Time: ISO 8601 (UTC without an offset), or a number (epoch seconds below 1e11, else milliseconds); missing: now.
const t = reading.timestamp;
const ms = t === undefined || t === null ? Date.now() : typeof t === "number" ? (t < 1e11 ? t * 1000 : t) : undefined;
if (ms !== undefined && !(Math.abs(ms) <= 8.64e15)) return reject(`/timestamp ${t} is not a time`);
if (ms !== undefined) reading.timestamp = new Date(ms).toISOString();
else if (typeof t === "string" && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?$/.test(t)) reading.timestamp = `${t.replace(" ", "T")}Z`;
return [{ ...msg, source, where, payload: reading }, null];
