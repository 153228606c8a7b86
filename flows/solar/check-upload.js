const body = msg.payload;
const problems = [];
const groups = { pv_array: ["voltage", "current", "power"], battery: ["voltage", "charging_current", "charging_power", "temperature"], load: ["voltage", "current", "power"], controller: ["temperature"] };
if (body === null || typeof body !== "object" || Array.isArray(body)) problems.push("body must be a JSON object");
else {
  for (const [group, fields] of Object.entries(groups)) {
    const g = body[group];
    if (g === null || typeof g !== "object") { problems.push(group + " is required (an object)"); continue; }
    for (const f of fields) if (typeof g[f] !== "number" || !Number.isFinite(g[f])) problems.push(group + "." + f + " must be a number");
  }
  const mode = body.controller && body.controller.charging_mode;
  if (mode !== undefined && !Number.isFinite(Number(mode))) problems.push("controller.charging_mode must be a number or numeric text");
  if (body.timestamp !== undefined && Number.isNaN(Date.parse(body.timestamp))) problems.push("timestamp must be an ISO 8601 time");
}
if (problems.length) return [null, { ...msg, statusCode: 400, payload: { error: "invalid reading", details: problems } }];
const ts = body.timestamp ? new Date(body.timestamp).toISOString() : new Date().toISOString();
const mode = Number(body.controller.charging_mode ?? 0);
const reading = {
  timestamp: ts,
  pv_array: { voltage: body.pv_array.voltage, current: body.pv_array.current, power: body.pv_array.power },
  battery: { voltage: body.battery.voltage, charging_current: body.battery.charging_current, charging_power: body.battery.charging_power, temperature: body.battery.temperature },
  load: { voltage: body.load.voltage, current: body.load.current, power: body.load.power },
  controller: { temperature: body.controller.temperature, charging_mode: mode.toFixed(1) },
};
const numbers = { ...reading, controller: { temperature: reading.controller.temperature, charging_state: mode } };
return [{ ...msg, payload: reading, reading: numbers }, null];
