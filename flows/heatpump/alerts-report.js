const q = msg.req.query;
const limit = q.limit === undefined ? 50 : Number(q.limit);
if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return { ...msg, statusCode: 422, payload: { detail: "limit must be a whole number from 1 to 1000" } };
const alerts = (flow.get("alerts") ?? []).filter((a) => (q.device_id === undefined || a.device_id === q.device_id) && (q.severity === undefined || a.severity === q.severity));
return { ...msg, payload: { count: Math.min(limit, alerts.length), total: alerts.length, alerts: alerts.slice(0, limit) } };
