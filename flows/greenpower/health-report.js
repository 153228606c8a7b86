// Liveness: 503 only when the store itself fails (a restart may help); a broker outage shows as "degraded" in checks and makes /api/ready/ 503, since restarting would not bring the broker back.
// Also what the ingest refused so far.
const r = flow.get("rejected") ?? { total: 0, mqtt: 0, tcp: 0, by_kind: {}, recent: [] };
const h = msg.health;
return { ...msg, statusCode: h.status === "unhealthy" ? 503 : 200, payload: { status: h.status === "healthy" ? "ok" : h.status, service: "green-power", timestamp: new Date().toISOString(), checks: h.checks, rejected: { total: r.total, mqtt: r.mqtt, tcp: r.tcp, by_kind: r.by_kind, recent: r.recent.slice(0, 10) } } };
