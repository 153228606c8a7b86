// Presence answers (online, seen, status topics) with the readings this flow counted per device.
if (msg.statusCode === 404) return msg;
const devices = flow.get("devices") ?? {};
const summary = (p) => ({ device_id: p.device_id, online: p.online, last_seen: p.last_seen, first_seen: p.first_seen, readings_received: devices[p.device_id]?.readings ?? 0, status: p.status ?? {} });
if (msg.report === "device") return { ...msg, payload: summary(msg.payload) };
const list = msg.payload.devices.map(summary);
if (msg.report === "list") return { ...msg, payload: { count: list.length, devices: list } };
const alerts = flow.get("alerts") ?? [];
const day = Date.now() - 86_400_000;
return { ...msg, payload: {
  total_devices: list.length,
  online_devices: msg.payload.online,
  total_readings: list.reduce((a, d) => a + d.readings_received, 0),
  total_alerts: alerts.length,
  alerts_24h: alerts.filter((a) => new Date(a.timestamp).getTime() >= day).length,
  timestamp: new Date().toISOString(),
} };
