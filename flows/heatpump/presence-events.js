// Each change goes to the dashboards; a device falling silent (or its last will) is also an alert.
const p = msg.payload;
const live = { ...msg, payload: { type: "device_status", device_id: p.device_id, data: { online: p.online, last_seen: p.last_seen } } };
if (p.online || p.previous !== true) return [live, null];
const after = Number(env("HEATPUMP_OFFLINE_AFTER") ?? 60);
return [live, { ...msg, payload: { device_id: p.device_id, type: "device_offline", severity: "warning", message: `no data since ${p.last_seen}`, value: null, threshold: after, source: "monitor", timestamp: new Date().toISOString() } }];
