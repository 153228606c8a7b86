const months = Number(msg.req.query.months ?? 12);
if (!Number.isInteger(months) || months < 1 || months > 120) return { ...msg, statusCode: 400, payload: { error: "invalid parameter", message: "months must be a whole number from 1 to 120" } };
return { ...msg, q: { months, days: months * 31 } };
