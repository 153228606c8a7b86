import { readdir, readFile, statfs } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";

/**
 * The host as Linux describes it in /etc, /proc and /sys: plain file reads, where the metrics library runs
 * shell commands for the same facts (`hostname -f`, `lscpu`, `lsblk`, `lspci`, `df`, `sensors`, …; some of
 * them synchronously). Each reader takes its root folder, so tests can point it at a made-up one.
 */

const readText = (file: string): Promise<string> => readFile(file, "utf8").catch(() => "");

/** `KEY=value` lines of an os-release file, quotes removed; {} when there is none. */
export async function readOsRelease(files: readonly string[] = ["/etc/os-release", "/usr/lib/os-release"]): Promise<Record<string, string>> {
  for (const file of files) {
    const text = await readText(file);
    if (!text) continue;
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
      const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
      if (!m) continue;
      const raw = m[2]!.trim();
      const quoted = /^(["'])(.*)\1$/.exec(raw);
      out[m[1]!] = quoted ? quoted[2]!.replace(/\\(["'$`\\])/g, "$1") : raw;
    }
    return out;
  }
  return {};
}

/**
 * The OS name and release as the inventory reports it: `Ubuntu 22.04.3 LTS`, `Debian GNU/Linux 12`: the pretty
 * name's release part (it carries the point release), without a `(codename)`, else VERSION, else VERSION_ID.
 */
export async function osVersion(files?: readonly string[]): Promise<string> {
  const release = await readOsRelease(files);
  const name = release.NAME ?? "Linux";
  const pretty = release.PRETTY_NAME ?? "";
  const fromPretty = pretty.startsWith(`${name} `) ? pretty.slice(name.length + 1) : "";
  const version = (fromPretty || release.VERSION || "").split("(")[0]!.trim() || release.VERSION_ID || os.release();
  return `${name} ${version}`.trim();
}

/**
 * The CPU's model name without its clock (`Intel(R) Xeon(R) CPU E5-2680 v4`, as the host inventory has it);
 * on boards whose /proc/cpuinfo names no model (ARM), the board's own name.
 */
export async function cpuModel(cpuinfo = "/proc/cpuinfo"): Promise<string> {
  const fromNode = os.cpus()[0]?.model.trim();
  if (fromNode && fromNode !== "unknown") return withoutClock(fromNode);
  const text = await readText(cpuinfo);
  for (const key of ["model name", "Model", "Hardware", "cpu model"]) {
    const m = new RegExp(`^${key}\\s*:\\s*(.+)$`, "m").exec(text);
    if (m) return withoutClock(m[1]!.trim());
  }
  return "";
}

/** `… v4 @ 2.40GHz` → `… v4`: the clock is a figure of its own, not part of the model. */
export function withoutClock(model: string): string {
  return model.replace(/\s*@\s*[\d.]+\s*[GM]Hz$/i, "").replace(/\s+/g, " ");
}

// Block devices that are not disks: loop files, RAM disks (zram swap too), device-mapper and RAID layers, network
// block devices, optical and floppy drives, and an SD card's boot and replay-protected partitions.
const NOT_A_DISK = /^(loop|ram|zram|dm-|md|nbd|sr|fd)\d*|^mmcblk\d+(boot|rpmb)/;

export interface StorageDevice {
  name: string;
  device_type: string;
  total_bytes: number;
}

/** The disks under /sys/block: `/dev/vda`, whether it spins (HDD) or not (SSD, NVMe), and its size. */
export async function blockDevices(root = "/sys/block"): Promise<StorageDevice[]> {
  const names = (await readdir(root).catch(() => [] as string[])).filter((n) => !NOT_A_DISK.test(n)).sort();
  const devices = await Promise.all(
    names.map(async (name) => {
      // The kernel counts sizes in 512-byte sectors whatever the device's own sector size.
      const sectors = Number((await readText(join(root, name, "size"))).trim()) || 0;
      const rotational = (await readText(join(root, name, "queue/rotational"))).trim();
      const device_type = name.startsWith("nvme") ? "NVMe" : rotational === "1" ? "HDD" : "SSD";
      return { name: `/dev/${name}`, device_type, total_bytes: sectors * 512 };
    }),
  );
  // An empty card reader or an unused slot has no size: not storage.
  return devices.filter((d) => d.total_bytes > 0);
}

/** PCI vendors of graphics hardware, by id: the names /sys gives no words for. */
const GPU_VENDORS: Record<string, string> = {
  "0x8086": "Intel",
  "0x1002": "AMD",
  "0x10de": "NVIDIA",
  "0x102b": "Matrox",
  "0x1a03": "ASPEED",
  "0x15ad": "VMware",
  "0x1234": "QEMU",
  "0x1b36": "Red Hat",
  "0x1af4": "virtio",
};

/**
 * The first graphics device the kernel drives (`/sys/class/drm/card0`): its vendor and driver, e.g.
 * `Intel (i915)`, `NVIDIA (nvidia)`, `vc4-drm` on a Raspberry Pi; "" when there is none.
 */
export async function gpuModel(root = "/sys/class/drm"): Promise<string> {
  const cards = (await readdir(root).catch(() => [] as string[])).filter((n) => /^card\d+$/.test(n)).sort();
  for (const card of cards) {
    const device = join(root, card, "device");
    const driver = /^DRIVER=(.+)$/m.exec(await readText(join(device, "uevent")))?.[1]?.trim() ?? "";
    const vendorId = (await readText(join(device, "vendor"))).trim();
    const vendor = vendorId ? (GPU_VENDORS[vendorId] ?? `PCI vendor ${vendorId}`) : "";
    const model = vendor && driver ? `${vendor} (${driver})` : vendor || driver;
    if (model) return model;
  }
  return "";
}

export interface MemoryInfo {
  total: number;
  /** In use by programs: total less what the kernel says is available (caches it would give back included). */
  active: number;
  swaptotal: number;
  swapused: number;
}

/** Memory and swap from /proc/meminfo, in bytes. */
export async function memoryInfo(file = "/proc/meminfo"): Promise<MemoryInfo> {
  const text = await readText(file);
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const total = kb("MemTotal") ?? os.totalmem();
  const available = kb("MemAvailable") ?? (kb("MemFree") ?? os.freemem()) + (kb("Buffers") ?? 0) + (kb("Cached") ?? 0);
  const swaptotal = kb("SwapTotal") ?? 0;
  return { total, active: total - available, swaptotal, swapused: swaptotal - (kb("SwapFree") ?? swaptotal) };
}

export interface FileSystemUse {
  mount: string;
  size: number;
  used: number;
  /** Percent of the space a user may fill that is used, as `df` counts it (space reserved for root left out). */
  use: number;
}

// File systems in memory or images rather than on a storage device; reported only when mounted at `/` (a container's root).
const NOT_STORAGE = /rootfs|unionfs|squashfs|cramfs|initrd|initramfs|devtmpfs|tmpfs|udev|devfs|specfs|appimaged/i;
// Left out, as `df -l` leaves out network file systems: asking an unreachable hard-mounted share, or a FUSE daemon
// that hangs, for its size never returns, and would hold one of the few threads every file read of the runtime
// shares; asking an automount point mounts what it stands for. FUSE on a block device (`fuseblk`: NTFS or exFAT
// on a USB disk) is local storage and stays.
const NOT_ASKED_FS = /^(nfs\d?|cifs|smb3|smbfs|ncpfs|afs|9p|ceph|glusterfs|lustre|davfs|autofs|fuse(\..+)?)$/i;

/**
 * The mounted file systems on storage (/proc/mounts) with space on them, each device once (at its shortest
 * mount point): RAM and image file systems (tmpfs, squashfs, …) and kernel ones of no size left out.
 */
export async function fileSystems(mounts = "/proc/mounts"): Promise<FileSystemUse[]> {
  const byDevice = new Map<string, string>();
  for (const line of (await readText(mounts)).split("\n")) {
    const [device, rawMount, type] = line.split(" ");
    if (!device || !rawMount || !type) continue;
    // /proc/mounts writes spaces and other awkward characters in octal.
    const mount = rawMount.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (NOT_STORAGE.test(type) && mount !== "/" && !device.includes("/")) continue;
    if (NOT_ASKED_FS.test(type)) continue;
    // Kernel file systems (device "none", "tmpfs", …) are each their own mount, not duplicates of each other.
    const key = device.startsWith("/") ? device : `${device}\u0000${mount}`;
    const known = byDevice.get(key);
    if (known === undefined || mount.length < known.length) byDevice.set(key, mount);
  }
  const out: FileSystemUse[] = [];
  for (const mount of byDevice.values()) {
    const stats = await statfs(mount).catch(() => null);
    if (!stats || stats.blocks === 0) continue;
    const size = stats.blocks * stats.bsize;
    const used = (stats.blocks - stats.bfree) * stats.bsize;
    const available = stats.bavail * stats.bsize;
    out.push({ mount, size, used, use: used + available > 0 ? (used / (used + available)) * 100 : 0 });
  }
  return out.sort((a, b) => a.mount.localeCompare(b.mount));
}

const CPU_ZONE = /cpu|x86_pkg|soc|coretemp|k10temp|package/i;

/**
 * The CPU's temperature in °C: a thermal zone named for the CPU (else the first zone), else a hwmon sensor
 * named for it; null on machines that expose none (most VMs).
 */
export async function cpuTemperature(root = "/sys/class"): Promise<number | null> {
  const zones = (await readdir(join(root, "thermal")).catch(() => [] as string[])).filter((n) => n.startsWith("thermal_zone")).sort();
  const readings: { type: string; celsius: number }[] = [];
  for (const zone of zones) {
    const milli = Number((await readText(join(root, "thermal", zone, "temp"))).trim());
    if (Number.isFinite(milli) && milli !== 0) readings.push({ type: (await readText(join(root, "thermal", zone, "type"))).trim(), celsius: milli / 1000 });
  }
  const zone = readings.find((r) => CPU_ZONE.test(r.type)) ?? readings[0];
  if (zone) return zone.celsius;
  for (const mon of (await readdir(join(root, "hwmon")).catch(() => [] as string[])).sort()) {
    const name = (await readText(join(root, "hwmon", mon, "name"))).trim();
    if (!CPU_ZONE.test(name)) continue;
    const milli = Number((await readText(join(root, "hwmon", mon, "temp1_input"))).trim());
    if (Number.isFinite(milli) && milli !== 0) return milli / 1000;
  }
  return null;
}

let previousTimes: { busy: number; total: number } | undefined;

/**
 * Percent of CPU time spent busy since the previous call (since boot at the first), over all cores, from
 * the kernel's counters as Node reads them.
 */
export function cpuUsage(): number {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  const since = previousTimes;
  previousTimes = { busy, total };
  const dBusy = since ? busy - since.busy : busy;
  const dTotal = since ? total - since.total : total;
  return dTotal > 0 ? Math.min(100, Math.max(0, (dBusy / dTotal) * 100)) : 0;
}
