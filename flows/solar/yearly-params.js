const years = Number(msg.req.query.years ?? 5);
if (!Number.isInteger(years) || years < 1 || years > 50) return { ...msg, statusCode: 400, payload: { error: "invalid parameter", message: "years must be a whole number from 1 to 50" } };
return { ...msg, q: { years, months: years * 12 } };
