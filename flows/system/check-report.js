const b = msg.payload;
const problems = [];
if (!b || typeof b !== "object") problems.push("body must be a JSON object");
else {
  if (!b.host || typeof b.host.id !== "string" || !/^[0-9a-f-]{36}$/i.test(b.host.id)) problems.push("host.id must be a UUID");
  if (!b.host || typeof b.host.hostname !== "string") problems.push("host.hostname is required");
  if (!b.metrics || typeof b.metrics !== "object") problems.push("metrics is required (an object)");
  else for (const [k, m] of Object.entries(b.metrics)) if (!m || typeof m.value !== "number") problems.push("metrics." + k + ".value must be a number");
  if (b.timestamp !== undefined && Number.isNaN(Date.parse(b.timestamp))) problems.push("timestamp must be an ISO 8601 time");
}
if (problems.length) return [null, { ...msg, statusCode: 400, payload: { error: "invalid report", details: problems } }];
const timestamp = b.timestamp ? new Date(b.timestamp).toISOString() : new Date().toISOString();
return [{ ...msg, payload: { ...b, timestamp }, accepted: true }, null];
