/**
 * The Linux readers against made-up /etc, /proc and /sys folders (the shapes the kernel and distributions
 * write), so what they pick out and leave out does not depend on the machine running the tests.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { blockDevices, cpuTemperature, fileSystems, gpuModel, memoryInfo, osVersion, readOsRelease, withoutClock } from "./linux.js";

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/** Writes `files` (path → text) under a new folder and returns it. */
async function tree(files: Record<string, string>): Promise<string> {
  root = await mkdtemp(join(tmpdir(), "wattflow-linux-"));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe("Linux host readers", () => {
  it("names the CPU model without its clock, as the host inventory has it", () => {
    expect(withoutClock("Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz")).toBe("Intel(R) Xeon(R) CPU E5-2680 v4");
    expect(withoutClock("AMD EPYC 7B13")).toBe("AMD EPYC 7B13");
    expect(withoutClock("ARMv7 Processor rev 4 (v7l)")).toBe("ARMv7 Processor rev 4 (v7l)");
  });

  it("reads the OS name and version from os-release, quoted or not, falling back to the next file", async () => {
    const dir = await tree({
      "usr/lib/os-release": 'PRETTY_NAME="Raspbian GNU/Linux 11 (bullseye)"\nNAME="Raspbian GNU/Linux"\nVERSION_ID="11"\nID=raspbian\n# a comment\nHOME_URL=\'http://www.raspbian.org/\'\n',
    });
    const files = [join(dir, "etc/os-release"), join(dir, "usr/lib/os-release")];
    expect(await readOsRelease(files)).toMatchObject({ NAME: "Raspbian GNU/Linux", VERSION_ID: "11", ID: "raspbian", HOME_URL: "http://www.raspbian.org/" });
    expect(await osVersion(files)).toBe("Raspbian GNU/Linux 11");
    // The point release and "LTS" come from the pretty name, as the inventory has always reported them.
    const ubuntu = await tree({ "etc/os-release": 'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\n' });
    expect(await osVersion([join(ubuntu, "etc/os-release")])).toBe("Ubuntu 22.04.3 LTS");
    const bare = await tree({ "etc/os-release": 'NAME="Alpine Linux"\nVERSION_ID=3.19.1\n' });
    expect(await osVersion([join(bare, "etc/os-release")])).toBe("Alpine Linux 3.19.1");
  });

  it("lists disks with their kind and size, leaving out loop, RAM, zram, device-mapper and empty devices", async () => {
    const dir = await tree({
      "sda/size": "976773168\n",
      "sda/queue/rotational": "1\n",
      "mmcblk0/size": "62333952\n",
      "mmcblk0/queue/rotational": "0\n",
      "nvme0n1/size": "1000215216\n",
      "nvme0n1/queue/rotational": "0\n",
      "loop0/size": "8\n",
      "ram0/size": "8192\n",
      "dm-0/size": "100\n",
      "zram0/size": "1048576\n",
      "mmcblk0boot0/size": "8192\n",
      "sdb/size": "0\n",
      "sdb/queue/rotational": "1\n",
    });
    expect(await blockDevices(dir)).toEqual([
      { name: "/dev/mmcblk0", device_type: "SSD", total_bytes: 62333952 * 512 },
      { name: "/dev/nvme0n1", device_type: "NVMe", total_bytes: 1000215216 * 512 },
      { name: "/dev/sda", device_type: "HDD", total_bytes: 976773168 * 512 },
    ]);
  });

  it("names the graphics device by vendor and driver, or by driver alone on a board", async () => {
    const pc = await tree({ "card0/device/vendor": "0x8086\n", "card0/device/uevent": "DRIVER=i915\nPCI_CLASS=30000\n", "card0-HDMI-A-1/status": "connected\n" });
    expect(await gpuModel(pc)).toBe("Intel (i915)");
    await rm(pc, { recursive: true });
    const pi = await tree({ "card1/device/uevent": "DRIVER=vc4-drm\nOF_NAME=gpu\n" });
    expect(await gpuModel(pi)).toBe("vc4-drm");
    expect(await gpuModel(join(pi, "missing"))).toBe("");
  });

  it("counts memory in use as total less available, and swap in use", async () => {
    const dir = await tree({ meminfo: "MemTotal:        3884096 kB\nMemFree:          181104 kB\nMemAvailable:    2548336 kB\nBuffers:          100000 kB\nSwapTotal:        102396 kB\nSwapFree:          92156 kB\n" });
    expect(await memoryInfo(join(dir, "meminfo"))).toEqual({ total: 3884096 * 1024, active: (3884096 - 2548336) * 1024, swaptotal: 102396 * 1024, swapused: (102396 - 92156) * 1024 });
  });

  it("takes the CPU's thermal zone, else the first one, else a CPU hwmon sensor, else nothing", async () => {
    const zones = await tree({
      "thermal/thermal_zone0/type": "acpitz\n",
      "thermal/thermal_zone0/temp": "27800\n",
      "thermal/thermal_zone1/type": "x86_pkg_temp\n",
      "thermal/thermal_zone1/temp": "45000\n",
    });
    expect(await cpuTemperature(zones)).toBe(45);
    await rm(zones, { recursive: true });
    const hwmon = await tree({ "hwmon/hwmon0/name": "nvme\n", "hwmon/hwmon0/temp1_input": "38850\n", "hwmon/hwmon1/name": "k10temp\n", "hwmon/hwmon1/temp1_input": "51250\n" });
    expect(await cpuTemperature(hwmon)).toBe(51.25);
    expect(await cpuTemperature(join(hwmon, "none"))).toBeNull();
  });

  it("reports file systems on storage once each, not RAM file systems nor kernel ones", async () => {
    // Real mount points of this machine's root, under names /proc/mounts could give them.
    const dir = await tree({
      mounts: [
        "/dev/root / ext4 rw,noatime 0 0",
        "proc /proc proc rw,relatime 0 0",
        "tmpfs /tmp tmpfs rw 0 0",
        "/dev/root /\\040bind ext4 rw 0 0",
        "squash /snap/core squashfs ro 0 0",
        // A network share is never asked for its size (an unreachable one would never answer).
        "nas:/export / nfs4 rw,hard 0 0",
        // Nor an automount point (asking would mount it) nor a FUSE daemon's mount (a hung daemon never answers).
        "systemd-1 / autofs rw 0 0",
        "gvfsd-fuse / fuse.gvfsd-fuse rw 0 0",
        "memfs / fuse rw 0 0",
      ].join("\n"),
    });
    const found = await fileSystems(join(dir, "mounts"));
    expect(found.map((f) => f.mount)).toEqual(["/"]);
    expect(found[0]!.size).toBeGreaterThan(0);
    expect(found[0]!.use).toBeGreaterThanOrEqual(0);
    expect(found[0]!.use).toBeLessThanOrEqual(100);
  });
});
