import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import os from "node:os";
import type Systeminformation from "systeminformation";
import * as linux from "./linux.js";

// Imported at the first collection off Linux, so a runtime whose flows read no host metrics never loads it (and Linux never does).
let library: Promise<typeof Systeminformation> | undefined;
const systeminformation = (): Promise<typeof Systeminformation> => (library ??= import("systeminformation").then((m) => m.default));

export interface Metric {
  value: number;
  unit: string;
  timestamp: string;
  category: "CPU" | "MEMORY" | "STORAGE" | "NETWORK" | "TEMPERATURE" | "SYSTEM";
}

export interface HostInventory {
  id: string;
  hostname: string;
  system_type: string;
  ip_address: string;
  cpu_model: string;
  cpu_cores: number;
  ram_total: number;
  gpu_model: string;
  os_version: string;
  storage_devices: { id: string; name: string; device_type: string; total_bytes: number }[];
  network_interfaces: { id: string; name: string; mac_address: string; ip_address: string; is_up: boolean }[];
}

/** A name-based UUID (RFC 4122 version 5 layout) so ids stay the same across restarts and agents. */
export function stableUuid(...parts: string[]): string {
  const hash = createHash("sha1").update(parts.join("\u0000")).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The machine's identity: /etc/machine-id where it exists, else the hostname and first MAC. */
export async function machineKey(): Promise<string> {
  for (const file of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (text.trim()) return text.trim();
  }
  const mac = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.mac !== "00:00:00:00:00:00")?.mac ?? "";
  return `${os.hostname()}/${mac}`;
}

/**
 * The host's network interfaces with an address, read from Node and /sys: the same list the metrics library
 * gives, without the shell commands it runs synchronously for details the inventory does not report (about
 * 90 ms of blocked event loop at every inventory).
 */
async function networkInterfaces(): Promise<{ iface: string; mac: string; ip: string; internal: boolean; up: boolean }[]> {
  return Promise.all(
    Object.entries(os.networkInterfaces()).map(async ([iface, addresses = []]) => {
      const operstate = (await readFile(`/sys/class/net/${iface}/operstate`, "utf8").catch(() => "")).trim();
      const ip = addresses.find((a) => a.family === "IPv4")?.address ?? addresses.find((a) => a.family === "IPv6")?.address ?? "";
      // Where the OS gives no operstate (not Linux), an interface with an address is taken as up.
      return { iface, mac: addresses[0]?.mac ?? "", ip, internal: addresses.some((a) => a.internal), up: operstate ? operstate === "up" : addresses.length > 0 };
    }),
  );
}

interface InterfaceCounters {
  iface: string;
  rx_bytes: number;
  tx_bytes: number;
  rx_errors: number;
  tx_errors: number;
}

/**
 * Each interface's byte and error counters. On Linux they are read from /sys, which the kernel keeps; the
 * library's own reader first lists the interfaces with shell commands run synchronously (about 50 ms of
 * blocked event loop at the first sample). Elsewhere the library reads them.
 */
async function networkCounters(si: typeof Systeminformation | null): Promise<InterfaceCounters[]> {
  const present = await readdir("/sys/class/net").catch(() => null);
  if (present === null) return si ? si.networkStats("*").catch(() => []) : [];
  // The interfaces with an address, as the library lists them (not every virtual device the kernel has).
  const names = Object.keys(os.networkInterfaces()).filter((name) => present.includes(name));
  const counter = async (iface: string, name: string): Promise<number> => Number((await readFile(`/sys/class/net/${iface}/statistics/${name}`, "utf8").catch(() => "0")).trim()) || 0;
  return Promise.all(
    names.map(async (iface) => {
      const [rx_bytes, tx_bytes, rx_errors, tx_errors] = await Promise.all(["rx_bytes", "tx_bytes", "rx_errors", "tx_errors"].map((n) => counter(iface, n)));
      return { iface, rx_bytes: rx_bytes!, tx_bytes: tx_bytes!, rx_errors: rx_errors!, tx_errors: tx_errors! };
    }),
  );
}

function primaryAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && i.family === "IPv4") return i.address;
  }
  return "127.0.0.1";
}

/** On Linux everything is read from /etc, /proc and /sys (see linux.ts); elsewhere the library asks the OS. */
const onLinux = process.platform === "linux";

export async function collectInventory(hostId: string): Promise<HostInventory> {
  if (onLinux) {
    const [os_version, cpu_model, gpu_model, storage, ifaces] = await Promise.all([linux.osVersion(), linux.cpuModel(), linux.gpuModel(), linux.blockDevices(), networkInterfaces()]);
    return {
      id: hostId,
      hostname: os.hostname(),
      system_type: "LINUX",
      ip_address: primaryAddress(),
      cpu_model,
      cpu_cores: os.cpus().length,
      ram_total: os.totalmem(),
      gpu_model,
      os_version,
      storage_devices: storage.map((d) => ({ id: stableUuid(hostId, "storage", d.name), ...d })),
      network_interfaces: nicsOf(hostId, ifaces),
    };
  }
  const si = await systeminformation();
  const [osInfo, cpu, mem, disks, blocks, ifaces, graphics] = await Promise.all([
    si.osInfo(),
    si.cpu(),
    si.mem(),
    si.diskLayout().catch(() => []),
    si.blockDevices().catch(() => []),
    networkInterfaces(),
    si.graphics().catch(() => ({ controllers: [] as { model: string }[] })),
  ]);
  const storage =
    disks.length > 0
      ? disks.map((d) => ({ name: d.device || d.name, device_type: d.type || "disk", total_bytes: d.size }))
      : blocks.filter((b) => b.type === "disk").map((b) => ({ name: `/dev/${b.name}`, device_type: b.physical || "disk", total_bytes: b.size }));
  return {
    id: hostId,
    hostname: os.hostname(),
    system_type: osInfo.platform === "linux" ? "LINUX" : osInfo.platform === "darwin" ? "MACOS" : osInfo.platform === "win32" ? "WINDOWS" : osInfo.platform.toUpperCase(),
    ip_address: primaryAddress(),
    cpu_model: `${cpu.manufacturer} ${cpu.brand}`.trim(),
    cpu_cores: cpu.cores,
    ram_total: mem.total,
    gpu_model: graphics.controllers[0]?.model ?? "",
    os_version: `${osInfo.distro} ${osInfo.release}`.trim(),
    storage_devices: storage.map((d) => ({ id: stableUuid(hostId, "storage", d.name), ...d })),
    network_interfaces: nicsOf(hostId, ifaces),
  };
}

function nicsOf(hostId: string, ifaces: Awaited<ReturnType<typeof networkInterfaces>>): HostInventory["network_interfaces"] {
  return ifaces
    .filter((i) => !i.internal)
    .map((i) => ({ id: stableUuid(hostId, "nic", i.iface), name: i.iface, mac_address: i.mac.toUpperCase(), ip_address: i.ip, is_up: i.up }));
}

const metricName = (text: string): string => text.replace(/^\/$/, "root").replace(/^\//, "").replace(/[^A-Za-z0-9]+/g, "_").toLowerCase() || "root";

interface Readings {
  cpuUsage: number;
  mem: linux.MemoryInfo;
  fs: linux.FileSystemUse[];
  net: InterfaceCounters[];
  temperature: number | null;
}

async function readLinux(): Promise<Readings> {
  const [mem, fs, net, temperature] = await Promise.all([linux.memoryInfo(), linux.fileSystems().catch(() => []), networkCounters(null), linux.cpuTemperature().catch(() => null)]);
  return { cpuUsage: linux.cpuUsage(), mem, fs, net, temperature };
}

async function readWithLibrary(): Promise<Readings> {
  const si = await systeminformation();
  const [load, mem, fs, net, temp] = await Promise.all([
    si.currentLoad(),
    si.mem(),
    si.fsSize().catch(() => []),
    networkCounters(si),
    si.cpuTemperature().catch(() => ({ main: null as number | null })),
  ]);
  return { cpuUsage: load.currentLoad, mem, fs, net, temperature: typeof temp.main === "number" ? temp.main : null };
}

export async function collectMetrics(now = Date.now()): Promise<Record<string, Metric>> {
  const timestamp = new Date(now).toISOString();
  const m = (value: number, unit: string, category: Metric["category"]): Metric => ({ value: Math.round(value * 100) / 100, unit, timestamp, category });
  const { cpuUsage, mem, fs, net, temperature } = onLinux ? await readLinux() : await readWithLibrary();
  const [l1, l5, l15] = os.loadavg();
  const out: Record<string, Metric> = {
    cpu_usage: m(cpuUsage, "%", "CPU"),
    load_1m: m(l1!, "", "CPU"),
    load_5m: m(l5!, "", "CPU"),
    load_15m: m(l15!, "", "CPU"),
    memory_used: m(mem.active, "bytes", "MEMORY"),
    memory_total: m(mem.total, "bytes", "MEMORY"),
    memory_usage: m((mem.active / mem.total) * 100, "%", "MEMORY"),
    swap_used: m(mem.swapused, "bytes", "MEMORY"),
    swap_total: m(mem.swaptotal, "bytes", "MEMORY"),
    uptime: m(os.uptime(), "s", "SYSTEM"),
  };
  for (const f of fs) {
    if (!f.size || /^(\/proc|\/sys|\/dev|\/run)/.test(f.mount)) continue;
    out[`disk_usage_${metricName(f.mount)}`] = m(f.use, "%", "STORAGE");
    out[`disk_used_${metricName(f.mount)}`] = m(f.used, "bytes", "STORAGE");
  }
  for (const n of net) {
    if (n.iface === "lo") continue;
    const name = metricName(n.iface);
    out[`net_rx_bytes_${name}`] = m(n.rx_bytes, "bytes", "NETWORK");
    out[`net_tx_bytes_${name}`] = m(n.tx_bytes, "bytes", "NETWORK");
    out[`net_errors_${name}`] = m(n.rx_errors + n.tx_errors, "", "NETWORK");
  }
  if (temperature !== null) out.system_temperature = m(temperature, "°C", "TEMPERATURE");
  return out;
}
