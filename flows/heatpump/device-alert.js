// Alerts a device sends itself: JSON { type, severity, message } or plain text.
const p = msg.payload;
const o = p !== null && typeof p === "object" && !Array.isArray(p) ? p : { message: String(p) };
const t = o.timestamp === undefined ? Date.now() : new Date(o.timestamp).getTime();
return { ...msg, payload: {
  device_id: msg.params.device_id,
  type: typeof o.type === "string" ? o.type : "device_alert",
  severity: ["info", "warning", "critical"].includes(o.severity) ? o.severity : "warning",
  message: typeof o.message === "string" ? o.message : JSON.stringify(o),
  value: typeof o.value === "number" ? o.value : null,
  threshold: typeof o.threshold === "number" ? o.threshold : null,
  source: "device",
  timestamp: new Date(Number.isFinite(t) ? t : Date.now()).toISOString(),
} };
