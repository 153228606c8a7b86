const b = msg.payload ?? {};
if (typeof b.device_id !== "string" || !/^[A-Za-z0-9_.-]+$/.test(b.device_id) || typeof b.command !== "string") return [{ ...msg, statusCode: 400, payload: { error: "device_id (letters, digits, _ . -) and command are required" } }, null];
const payload = { command: b.command, value: b.value ?? null, timestamp: new Date().toISOString() };
return [{ ...msg, statusCode: 202, payload: { topic: `HyperVolt/commands/${b.device_id}`, ...payload } }, { ...msg, params: { device_id: b.device_id }, payload }];
