import { createServer } from "node:net";
import { createRequire } from "node:module";
import type { ServerTCP } from "modbus-serial/ServerTCP.js";
import { localParts } from "../shared/calendar.js";

export interface SimulatorOptions {
  host?: string;
  /** 0 or omitted: a free port. */
  port?: number;
  /** Peak PV power of the simulated array, W. */
  peakWatts?: number;
  /** Local time of the simulated site (sunrise ~06:00, sunset ~18:00). */
  timezone?: string;
  /** Clock (tests move it). */
  now?: () => number;
}

export interface RunningSimulator {
  host: string;
  port: number;
  url: string;
  /** Test hooks: answer slowly, or fail the next requests with an exception. */
  behave(b: { delayMs?: number; exception?: number | null }): void;
  requests(): number;
  close(): Promise<void>;
}

interface Snapshot {
  [address: number]: number;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** modbus-serial answers an exception response for errors carrying `modbusErrorCode`. */
const exception = (code: number, message: string): Error => Object.assign(new Error(message), { modbusErrorCode: code });

const u32 = (snap: Snapshot, address: number, value: number): void => {
  const raw = Math.max(0, Math.round(value * 100));
  snap[address] = raw & 0xffff;
  snap[address + 1] = (raw >>> 16) & 0xffff;
};
const u16 = (snap: Snapshot, address: number, value: number, scale = 100): void => {
  snap[address] = Math.max(0, Math.min(0xffff, Math.round(value * scale)));
};
const i16 = (snap: Snapshot, address: number, value: number): void => {
  snap[address] = Math.round(value * 100) & 0xffff;
};

export interface EpeverState {
  /** 0 at night, 1 at solar noon. */
  sun: number;
  pvPower: number;
  pvVoltage: number;
  /** The controller's load output (fed from the battery), W. */
  loadPower: number;
  batteryVoltage: number;
  /** Power into the battery, W. */
  chargingPower: number;
  /** State of charge, %. */
  soc: number;
}

/** Fraction of the day's sunshine that has shone by `hour` (sunrise 06:00, sunset 18:00). */
const sunSoFar = (hour: number): number => (hour < 6 ? 0 : hour > 18 ? 1 : (1 - Math.cos((Math.PI * (hour - 6)) / 12)) / 2);

/**
 * The simulated controller at time `t`, a pure function of the clock so a
 * test can walk a whole day in milliseconds: the sun rises at 06:00 and sets
 * at 18:00 local time with passing clouds, the battery fills by day (and
 * floats once full) and feeds the load output through the night, so the
 * battery's energy in and out about balance over a day.
 */
export function epeverModel(t: number, peakWatts = 400, timezone = "UTC"): EpeverState {
  const p = localParts(t, timezone);
  const hour = p.hour + p.minute / 60 + p.second / 3600;
  const sun = Math.max(0, Math.sin((Math.PI * (hour - 6)) / 12));
  // Passing clouds: a slow wobble, deterministic in time so runs are comparable.
  const clouds = 0.85 + 0.15 * Math.sin(t / 97_000) * Math.sin(t / 13_000);
  const pvPower = peakWatts * sun * clouds;
  const pvVoltage = pvPower > 1 ? 36 + 2 * sun : 5 * sun;
  const loadPower = hour > 18 || hour < 7 ? 70 : 18;
  // A battery of about 1.7 kWh: from 50 % at sunrise the morning's sun fills it (by about 10:30), the night's load takes it back.
  const nightHours = hour >= 18 ? hour - 18 : hour < 6 ? hour + 6 : 0;
  const soc = nightHours > 0 ? 100 - (50 * nightHours) / 12 : 50 + 50 * Math.min(1, sunSoFar(hour) / 0.35);
  // A full battery floats: the controller only replaces what the load output draws.
  const chargingPower = soc >= 99.5 ? Math.min(loadPower, pvPower) : pvPower * 0.97;
  const batteryVoltage = pvPower > 5 ? 13.2 + 1.2 * sun : 12.2 + (0.6 * soc) / 100;
  return { sun, pvPower, pvVoltage, loadPower, batteryVoltage, chargingPower, soc };
}

/** An Epever Tracer-AN's registers, answered in process: what `sim://epever` reads and the TCP simulator serves. */
export interface EpeverRegisters {
  /** Input registers from `address`; an error carrying `modbusErrorCode` for an address the controller lacks. */
  readInputs(address: number, length: number): Promise<number[]>;
  behave(b: { delayMs?: number; exception?: number | null }): void;
  requests(): number;
}

/** Exception 2 (illegal data address): what the controller answers for registers it does not implement. */
export const illegalAddress = (address: number): Error => exception(0x02, `illegal data address 0x${address.toString(16)}`);

/**
 * The Epever Tracer-AN's register layout over a plausible day (`epeverModel`): PV power follows
 * the sun, the battery charges by day and feeds a small load at night, energy counters integrate
 * what happened. Addresses the real controller does not implement answer an exception.
 */
export function epeverRegisters(options: Omit<SimulatorOptions, "host" | "port"> = {}): EpeverRegisters {
  const peak = options.peakWatts ?? 400;
  const tz = options.timezone ?? "UTC";
  const now = options.now ?? Date.now;
  let behaviour: { delayMs?: number; exception?: number | null } = {};
  let requests = 0;
  let last = now();
  let generatedWh = 0;
  let consumedWh = 0;

  const snapshot = (): Snapshot => {
    const t = now();
    const { sun, pvPower, pvVoltage, loadPower, batteryVoltage, chargingPower, soc } = epeverModel(t, peak, tz);
    const dtH = Math.max(0, t - last) / 3_600_000;
    last = t;
    generatedWh += chargingPower * dtH;
    consumedWh += loadPower * dtH;
    const snap: Snapshot = {};
    u16(snap, 0x3100, pvVoltage);
    u16(snap, 0x3101, pvVoltage > 1 ? pvPower / pvVoltage : 0);
    u32(snap, 0x3102, pvPower);
    u16(snap, 0x3104, batteryVoltage);
    u16(snap, 0x3105, chargingPower / batteryVoltage);
    u32(snap, 0x3106, chargingPower);
    for (let a = 0x3108; a <= 0x310b; a++) snap[a] = 0;
    u16(snap, 0x310c, batteryVoltage);
    u16(snap, 0x310d, loadPower / batteryVoltage);
    u32(snap, 0x310e, loadPower);
    i16(snap, 0x3110, 18 + 7 * sun);
    i16(snap, 0x3111, 20 + 10 * sun);
    i16(snap, 0x3112, 21 + 14 * sun);
    for (let a = 0x3113; a <= 0x3119; a++) snap[a] = 0;
    u16(snap, 0x311a, soc, 1);
    snap[0x3200] = 0;
    // D0 running; D3-D2 charging state: 0 none, 1 float, 2 boost, 3 equalisation.
    snap[0x3201] = 1 | ((pvPower > 5 ? (sun > 0.8 ? 1 : 2) : 0) << 2);
    u16(snap, 0x3300, 36 + 2 * sun);
    u16(snap, 0x3301, 0);
    u16(snap, 0x3302, 14.4);
    u16(snap, 0x3303, 12.4);
    u32(snap, 0x3304, consumedWh / 1000);
    u32(snap, 0x3306, consumedWh / 1000);
    u32(snap, 0x3308, consumedWh / 1000);
    u32(snap, 0x330a, consumedWh / 1000);
    u32(snap, 0x330c, generatedWh / 1000);
    u32(snap, 0x330e, generatedWh / 1000);
    u32(snap, 0x3310, generatedWh / 1000);
    u32(snap, 0x3312, generatedWh / 1000);
    return snap;
  };

  const read = async (address: number, length: number): Promise<number[]> => {
    requests += 1;
    if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
    if (behaviour.exception) throw exception(behaviour.exception, "simulated device exception");
    const snap = snapshot();
    const out: number[] = [];
    for (let a = address; a < address + length; a++) {
      const v = snap[a];
      if (v === undefined) throw illegalAddress(a);
      out.push(v);
    }
    return out;
  };

  return {
    readInputs: read,
    behave: (b) => {
      behaviour = { ...behaviour, ...b };
    },
    requests: () => requests,
  };
}

// modbus-serial's server alone: its main module loads the native serial port library, which a TCP server never needs.
const loadServerTCP = (): typeof ServerTCP => createRequire(import.meta.url)("modbus-serial/servers/servertcp") as typeof ServerTCP;

/** The Epever Tracer-AN simulator (`epeverRegisters`) served over Modbus TCP. */
export async function startEpeverSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port || (await freePort(host));
  const registers = epeverRegisters(options);
  const read = registers.readInputs;
  type Cb<T> = (err: Error | null, value: T) => void;
  const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
  const vector = {
    getMultipleInputRegisters: (address: number, length: number, _unit: number, cb: Cb<number[]>) => {
      read(address, length).then((v) => cb(null, v), (err: unknown) => cb(asError(err), []));
    },
    getInputRegister: (address: number, _unit: number, cb: Cb<number>) => {
      read(address, 1).then((v) => cb(null, v[0]!), (err: unknown) => cb(asError(err), 0));
    },
    getHoldingRegister: (address: number, _unit: number, cb: Cb<number>) => cb(illegalAddress(address), 0),
    getCoil: (_address: number, _unit: number, cb: Cb<boolean>) => cb(null, false),
    getDiscreteInput: (_address: number, _unit: number, cb: Cb<boolean>) => cb(null, false),
  };

  const Server = loadServerTCP();
  const server = new Server(vector, { host, port, unitID: 255 });
  server.on("socketError", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.on("initialized", () => resolve());
    server.on("serverError", reject);
  });

  return {
    host,
    port,
    url: `tcp://${host}:${port}`,
    behave: registers.behave,
    requests: registers.requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
