import type { RegisterDef } from "./registers.js";

/**
 * Epever Tracer-AN series, from the vendor's MODBUS protocol v2.5: the
 * real-time input registers the seed's backend reads every poll. 32-bit
 * values are low word first; most values are /100.
 */
const r = (name: string, address: number, unit: string, type: RegisterDef["type"] = "uint16", scale = 0.01): RegisterDef => ({
  name,
  address,
  function: "input",
  type,
  scale,
  unit,
  ...(type === "uint32" || type === "int32" ? { wordOrder: "low-first" as const } : {}),
});

export const EPEVER_TRACER: readonly RegisterDef[] = [
  r("pv_array.voltage", 0x3100, "V"),
  r("pv_array.current", 0x3101, "A"),
  r("pv_array.power", 0x3102, "W", "uint32"),
  r("battery.voltage", 0x3104, "V"),
  r("battery.charging_current", 0x3105, "A"),
  r("battery.charging_power", 0x3106, "W", "uint32"),
  r("load.voltage", 0x310c, "V"),
  r("load.current", 0x310d, "A"),
  r("load.power", 0x310e, "W", "uint32"),
  r("battery.temperature", 0x3110, "°C", "int16"),
  r("controller.temperature", 0x3111, "°C", "int16"),
  r("controller.heatsink_temperature", 0x3112, "°C", "int16"),
  r("battery.soc", 0x311a, "%", "uint16", 1),
  { name: "status.battery", address: 0x3200, function: "input", type: "uint16" },
  { name: "status.charging", address: 0x3201, function: "input", type: "uint16" },
  { name: "controller.charging_mode", address: 0x3201, function: "input", type: "uint16", bits: { shift: 2, mask: 0b11 } },
  r("statistics.pv_voltage_max_today", 0x3300, "V"),
  r("statistics.pv_voltage_min_today", 0x3301, "V"),
  r("statistics.battery_voltage_max_today", 0x3302, "V"),
  r("statistics.battery_voltage_min_today", 0x3303, "V"),
  r("statistics.consumed_energy_today", 0x3304, "kWh", "uint32"),
  r("statistics.consumed_energy_month", 0x3306, "kWh", "uint32"),
  r("statistics.consumed_energy_year", 0x3308, "kWh", "uint32"),
  r("statistics.consumed_energy_total", 0x330a, "kWh", "uint32"),
  r("statistics.generated_energy_today", 0x330c, "kWh", "uint32"),
  r("statistics.generated_energy_month", 0x330e, "kWh", "uint32"),
  r("statistics.generated_energy_year", 0x3310, "kWh", "uint32"),
  r("statistics.generated_energy_total", 0x3312, "kWh", "uint32"),
];

export const BUILT_IN_MAPS: Record<string, readonly RegisterDef[]> = { "epever-tracer": EPEVER_TRACER };
