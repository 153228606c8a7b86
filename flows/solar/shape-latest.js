const { time, fields } = msg.payload.latest;
if (time === null) return { ...msg, statusCode: 404, payload: { error: "no data yet" } };
const f = (k) => fields[k] ?? null;
return { ...msg, payload: {
  timestamp: new Date(time).toISOString(),
  pv_array: { voltage: f("pv_array.voltage"), current: f("pv_array.current"), power: f("pv_array.power") },
  battery: { voltage: f("battery.voltage"), charging_current: f("battery.charging_current"), charging_power: f("battery.charging_power"), temperature: f("battery.temperature") },
  load: { voltage: f("load.voltage"), current: f("load.current"), power: f("load.power") },
  controller: { temperature: f("controller.temperature"), charging_mode: (f("controller.charging_state") ?? 0).toFixed(1) },
} };
