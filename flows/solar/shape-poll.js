// The seed's reading shape; charging_mode is the charging state as text ("2.0" = boost).
const r = msg.payload;
const reading = {
  timestamp: r.timestamp,
  pv_array: { voltage: r.pv_array.voltage, current: r.pv_array.current, power: r.pv_array.power },
  battery: { voltage: r.battery.voltage, charging_current: r.battery.charging_current, charging_power: r.battery.charging_power, temperature: r.battery.temperature },
  load: { voltage: r.load.voltage, current: r.load.current, power: r.load.power },
  controller: { temperature: r.controller.temperature, charging_mode: r.controller.charging_mode.toFixed(1) },
};
const numbers = { ...reading, controller: { temperature: reading.controller.temperature, charging_state: r.controller.charging_mode }, battery_soc: r.battery.soc };
return { ...msg, payload: reading, reading: numbers };
