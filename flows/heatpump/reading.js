// A device's reading as the API serves it: the payload as sent, with device_id and an ISO timestamp.
const p = msg.payload;
if (p === null || typeof p !== "object" || Array.isArray(p)) throw new Error(`${msg.topic}: a reading is a JSON object, got ${Array.isArray(p) ? "an array" : typeof p}`);
const device_id = msg.params.device_id;
const t = p.timestamp === undefined ? Date.now() : new Date(p.timestamp).getTime();
if (!Number.isFinite(t)) throw new Error(`${msg.topic}: timestamp "${p.timestamp}" is not a time`);
const reading = { ...p, device_id, timestamp: new Date(t).toISOString() };
const now = new Date().toISOString();
const devices = flow.get("devices") ?? {};
const d = devices[device_id] ?? { device_id, first_seen: now, readings: 0, status: {} };
d.last_seen = now;
d.readings += 1;
d.latest = reading;
devices[device_id] = d;
flow.set("devices", devices);
const live = { ...msg, payload: { type: "sensor_data", device_id, data: reading } };
return [{ ...msg, payload: reading }, live, { ...msg, payload: reading }];
