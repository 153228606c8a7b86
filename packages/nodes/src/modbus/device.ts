import { createRequire } from "node:module";
import type { ModbusRTU as ModbusClient } from "modbus-serial/ModbusRTU.js";
import type { Logger } from "@wattflow/runtime";
import type { RegisterFunction } from "./registers.js";
import type { EpeverRegisters } from "./simulator.js";

// modbus-serial is CommonJS whose module.exports is the client class; its typings describe an ES default.
// Required when a real device is first opened (it loads the native serial port library, a tenth of a second
// at start): the node catalog and the built-in simulator cost nothing of it.
const loadModbusRTU = (): typeof ModbusClient => createRequire(import.meta.url)("modbus-serial") as typeof ModbusClient;

export interface DeviceOptions {
  url: string;
  timeoutMs: number;
  retries: number;
  closeAfterPoll: boolean;
  log: Logger;
}

/** What `modbus-read` nodes get from a `modbus-device` connection. */
export interface ModbusDevice {
  readonly url: string;
  readonly simulated: boolean;
  /** Reads one block. Requests on one link run one at a time, never concurrently. */
  read(unitId: number, fn: RegisterFunction, address: number, length: number): Promise<number[] | boolean[]>;
  /** Ends a poll: closes the link when the device allows only one master at a time. */
  endPoll(): Promise<void>;
  close(): Promise<void>;
}

const EXCEPTIONS: Record<number, string> = {
  1: "illegal function",
  2: "illegal data address",
  3: "illegal data value",
  4: "server device failure",
  5: "acknowledge",
  6: "server device busy",
  10: "gateway path unavailable",
  11: "gateway target failed to respond",
};

export class ModbusError extends Error {
  constructor(
    message: string,
    readonly kind: "timeout" | "exception" | "connection",
  ) {
    super(message);
    this.name = "ModbusError";
  }
}

type Target = { kind: "tcp"; host: string; port: number } | { kind: "rtu"; path: string; baudRate: number; parity: "none" | "even" | "odd"; dataBits: number; stopBits: number } | { kind: "sim"; model: string };

export function parseDeviceUrl(url: string): Target {
  const u = new URL(url);
  if (u.protocol === "tcp:") return { kind: "tcp", host: u.hostname, port: Number(u.port || 502) };
  if (u.protocol === "rtu:") {
    const q = u.searchParams;
    const parity = (q.get("parity") ?? "none") as "none" | "even" | "odd";
    if (!["none", "even", "odd"].includes(parity)) throw new Error(`parity must be none, even or odd in ${url}`);
    return { kind: "rtu", path: decodeURIComponent(u.pathname), baudRate: Number(q.get("baud") ?? 115200), parity, dataBits: Number(q.get("dataBits") ?? 8), stopBits: Number(q.get("stopBits") ?? 1) };
  }
  if (u.protocol === "sim:") return { kind: "sim", model: u.hostname || "epever" };
  throw new Error(`unsupported Modbus URL ${url}: use tcp://host:502, rtu:///dev/ttyUSB0?baud=115200 or sim://epever`);
}

const modbusException = (code: number, at: string, where: string, unitId: number, length: number): ModbusError =>
  new ModbusError(`Modbus exception ${code} (${EXCEPTIONS[code] ?? "unknown"}) reading ${at} (${length}) from ${where} unit ${unitId}`, "exception");

const hex = (address: number): string => `0x${address.toString(16).padStart(4, "0")}`;

/**
 * `sim://epever`: the simulator's registers read in process, with the answers a Modbus TCP link to it would
 * give (input registers; an exception for holding registers it lacks; coils and discrete inputs off).
 */
function simulatedDevice(url: string, registers: EpeverRegisters): ModbusDevice {
  let closed = false;
  const where = url;
  return {
    url,
    simulated: true,
    async read(unitId, fn, address, length) {
      if (closed) throw new ModbusError(`${where}: connection closed`, "connection");
      try {
        if (fn === "input") return await registers.readInputs(address, length);
        if (fn === "holding") throw Object.assign(new Error("illegal data address"), { modbusErrorCode: 2 });
        return new Array<boolean>(length).fill(false);
      } catch (err) {
        const code = (err as { modbusErrorCode?: unknown }).modbusErrorCode;
        if (typeof code === "number") throw modbusException(code, hex(address), where, unitId, length);
        throw err;
      }
    },
    endPoll: () => Promise.resolve(),
    close: async () => {
      closed = true;
    },
  };
}

export async function openDevice(options: DeviceOptions): Promise<ModbusDevice> {
  const target = parseDeviceUrl(options.url);
  if (target.kind === "sim") {
    if (target.model !== "epever") throw new Error(`no simulator for "${target.model}" (known: epever)`);
    const { epeverRegisters } = await import("./simulator.js");
    options.log.info({ url: options.url }, "Modbus source is SIMULATED: an Epever simulator in process");
    return simulatedDevice(options.url, epeverRegisters());
  }
  const where = target.kind === "tcp" ? `${target.host}:${target.port}` : target.path;
  const ModbusRTU = loadModbusRTU();
  const client = new ModbusRTU();
  let chain: Promise<unknown> = Promise.resolve();
  let backoffMs = 0;
  let retryAt = 0;
  let closed = false;

  const connect = async (): Promise<void> => {
    if (client.isOpen) return;
    if (Date.now() < retryAt) throw new ModbusError(`${where} unreachable; next attempt in ${Math.ceil((retryAt - Date.now()) / 1000)} s`, "connection");
    try {
      if (target.kind === "tcp") await client.connectTCP(target.host, { port: target.port });
      else if (target.kind === "rtu") await client.connectRTUBuffered(target.path, { baudRate: target.baudRate, parity: target.parity, dataBits: target.dataBits, stopBits: target.stopBits });
      client.setTimeout(options.timeoutMs);
      backoffMs = 0;
    } catch (err) {
      // Reconnect with exponential backoff, capped at a minute.
      backoffMs = Math.min(60_000, backoffMs ? backoffMs * 2 : 1000);
      retryAt = Date.now() + backoffMs;
      throw new ModbusError(`cannot connect to ${where}: ${err instanceof Error ? err.message : String(err)}`, "connection");
    }
  };

  const disconnect = (): Promise<void> =>
    new Promise((resolve) => {
      if (!client.isOpen) return resolve();
      client.close(() => resolve());
    });

  const once = async (unitId: number, fn: RegisterFunction, address: number, length: number): Promise<number[] | boolean[]> => {
    await connect();
    client.setID(unitId);
    const at = hex(address);
    try {
      switch (fn) {
        case "input":
          return (await client.readInputRegisters(address, length)).data;
        case "holding":
          return (await client.readHoldingRegisters(address, length)).data;
        case "coil":
          return (await client.readCoils(address, length)).data.slice(0, length);
        case "discrete":
          return (await client.readDiscreteInputs(address, length)).data.slice(0, length);
      }
    } catch (err) {
      const e = err as { modbusCode?: number; name?: string; message?: string; errno?: string };
      if (typeof e.modbusCode === "number") {
        throw modbusException(e.modbusCode, at, where, unitId, length);
      }
      if (e.name === "TransactionTimedOutError" || /timed out/i.test(e.message ?? "")) {
        throw new ModbusError(`Modbus timeout after ${options.timeoutMs} ms reading ${at} from ${where} unit ${unitId}`, "timeout");
      }
      // The link broke: drop it so the next request reconnects.
      await disconnect();
      throw new ModbusError(`connection to ${where} failed reading ${at}: ${e.message ?? String(err)}`, "connection");
    }
  };

  const withRetries = async (unitId: number, fn: RegisterFunction, address: number, length: number): Promise<number[] | boolean[]> => {
    let lastError: unknown;
    for (let attempt = 0; attempt <= options.retries; attempt++) {
      try {
        return await once(unitId, fn, address, length);
      } catch (err) {
        lastError = err;
        // An exception response is the device's definite answer; retrying changes nothing.
        if (err instanceof ModbusError && err.kind === "exception") throw err;
        if (err instanceof ModbusError && err.kind === "connection" && !client.isOpen && Date.now() < retryAt) throw err;
      }
    }
    throw lastError;
  };

  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    url: options.url,
    simulated: false,
    read: (unitId, fn, address, length) => {
      if (closed) return Promise.reject(new ModbusError(`${where}: connection closed`, "connection"));
      return serial(() => withRetries(unitId, fn, address, length));
    },
    endPoll: () => (options.closeAfterPoll ? serial(disconnect) : Promise.resolve()),
    close: async () => {
      closed = true;
      await serial(disconnect);
    },
  };
}
