/** The groups of a reading and their fields, in the order the solar endpoints answer them. */
const GROUPS = {
  pv_array: ["voltage", "current", "power"],
  battery: ["voltage", "charging_current", "charging_power", "temperature"],
  load: ["voltage", "current", "power"],
} as const;
type GroupName = keyof typeof GROUPS;
const GROUP_NAMES = Object.keys(GROUPS) as GroupName[];

type Values = Record<string, number | null>;

/** A reading as the solar endpoints and the WebSocket send it: `charging_mode` is the charging state as text ("2.0" = boost). */
export interface Reading {
  timestamp: string;
  pv_array: Values;
  battery: Values;
  load: Values;
  controller: { temperature: number | null; charging_mode: string };
}

/** The same reading for the store: numbers only, the charging state as a number, and the battery's state of charge when known. */
export interface StoredReading {
  timestamp: string;
  pv_array: Values;
  battery: Values;
  load: Values;
  controller: { temperature: number | null; charging_state: number };
  battery_soc?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const numberOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const stateText = (state: number): string => state.toFixed(1);

function timestampOf(value: unknown, where: string): string {
  if (value === undefined || value === null) return new Date().toISOString();
  const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new Error(`${where}.timestamp is not a time: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/**
 * A controller's reading (the modbus map's, or an upload checked against its
 * schema) in both forms: only the known fields are kept, whatever else came.
 */
export function fromDevice(raw: unknown, where: string): { reading: Reading; stored: StoredReading } {
  if (!isRecord(raw)) throw new Error(`${where} is not a reading (an object)`);
  const groups = {} as Record<GroupName, Values>;
  for (const group of GROUP_NAMES) {
    const source = raw[group];
    if (!isRecord(source)) throw new Error(`${where}.${group} is missing`);
    const values: Values = {};
    for (const field of GROUPS[group]) values[field] = numberOrNull(source[field]);
    groups[group] = values;
  }
  const controller = isRecord(raw.controller) ? raw.controller : {};
  const state = Number(controller.charging_mode ?? 0);
  if (!Number.isFinite(state)) throw new Error(`${where}.controller.charging_mode is not a number: ${JSON.stringify(controller.charging_mode)}`);
  const temperature = numberOrNull(controller.temperature);
  const timestamp = timestampOf(raw.timestamp, where);
  const soc = isRecord(raw.battery) ? numberOrNull(raw.battery.soc) : null;
  return {
    reading: { timestamp, ...groups, controller: { temperature, charging_mode: stateText(state) } },
    stored: { timestamp, ...groups, controller: { temperature, charging_state: state }, ...(soc !== null ? { battery_soc: soc } : {}) },
  };
}

/** Rounds to `decimals` places, half away from zero as people round; no rounding when undefined. */
export function rounder(decimals: number | undefined): (v: number | null) => number | null {
  if (decimals === undefined) return (v) => v;
  const scale = 10 ** decimals;
  return (v) => (v === null ? null : Math.round(v * scale) / scale);
}

/** A reading from a store row: `time` in ms and the stored series' values by name (`"pv_array.voltage"`); missing values are null. */
export function fromFields(time: number, fields: Readonly<Record<string, unknown>>, round: (v: number | null) => number | null): Reading {
  const groups = {} as Record<GroupName, Values>;
  for (const group of GROUP_NAMES) {
    const values: Values = {};
    for (const field of GROUPS[group]) values[field] = round(numberOrNull(fields[`${group}.${field}`]));
    groups[group] = values;
  }
  // An average over a bucket is rounded to the nearest state.
  const state = Math.round(numberOrNull(fields["controller.charging_state"]) ?? 0);
  return {
    timestamp: new Date(time).toISOString(),
    ...groups,
    controller: { temperature: round(numberOrNull(fields["controller.temperature"])), charging_mode: stateText(state) },
  };
}
