const key = msg.req.query.key;
if (!key) return { ...msg, statusCode: 400, payload: { error: "key parameter is required" } };
const p = (flow.get("preferences") ?? {})[key];
return p ? { ...msg, payload: p } : { ...msg, statusCode: 404, payload: { error: `Preference '${key}' not found` } };
