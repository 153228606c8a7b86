// The monitor's health answer, from the checks above (statusCode 200 or 503 is set there).
const h = msg.health;
const { mqtt, influxdb } = h.checks;
const influx = influxdb.status === "off" ? "not configured (readings are kept in the embedded store)" : influxdb.status === "up" ? "ok" : `${influxdb.status}: ${influxdb.detail}`;
return { ...msg, payload: {
  status: h.status,
  timestamp: new Date().toISOString(),
  services: { store: h.checks.store.status === "up" ? "ok" : h.checks.store.detail, mqtt: mqtt.status === "up" ? "connected" : mqtt.detail.split(":")[0], influxdb: influx },
  mqtt_detail: mqtt.status === "up" ? null : mqtt.detail,
  checks: h.checks,
} };
