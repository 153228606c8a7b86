const r2 = (v) => (v === undefined || v === null ? null : Math.round(v * 100) / 100);
const data = msg.payload.rows.map(({ time, fields: f }) => ({
  timestamp: new Date(time).toISOString(),
  pv_array: { voltage: r2(f["pv_array.voltage"]), current: r2(f["pv_array.current"]), power: r2(f["pv_array.power"]) },
  battery: { voltage: r2(f["battery.voltage"]), charging_current: r2(f["battery.charging_current"]), charging_power: r2(f["battery.charging_power"]), temperature: r2(f["battery.temperature"]) },
  load: { voltage: r2(f["load.voltage"]), current: r2(f["load.current"]), power: r2(f["load.power"]) },
  controller: { temperature: r2(f["controller.temperature"]), charging_mode: Math.round(f["controller.charging_state"] ?? 0).toFixed(1) },
}));
return { ...msg, payload: { hours: Number(msg.q.hours), interval: msg.q.interval, count: data.length, data } };
