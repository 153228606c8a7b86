// Ready: the store answers and the broker is connected (checked above), and the TCP listener is up.
const links = flow.get("links") ?? {};
const { store, mqtt } = msg.health.checks;
const tcp = links.tcp && links.tcp.fill !== "red" ? "listening" : links.tcp ? links.tcp.text : "starting";
const checks = { store: store.status === "up" ? "ok" : store.detail, mqtt: mqtt.status === "up" ? "connected" : mqtt.detail.split(":")[0], tcp };
const ready = msg.health.status === "healthy" && tcp === "listening";
return { ...msg, statusCode: ready ? 200 : 503, payload: { status: ready ? "ready" : "not ready", checks, details: { store: store.detail, mqtt: mqtt.detail, mqtt_reconnects: mqtt.reconnects ?? 0, tcp: links.tcp?.text ?? null } } };
