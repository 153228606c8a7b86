const q = msg.req.query;
const raw = q.interval === undefined ? "5m" : String(q.interval);
const interval = /^\d+$/.test(raw) ? raw + "m" : raw;
return { ...msg, q: { hours: q.hours ?? "24", interval } };
