import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { OwnedResources } from "./resources.js";

describe("cron timers' zones", () => {
  const patterns = ["0 2 * * *", "*/15 * * * *", "0 0 1 * *", "30 3 * * 0"];

  it("schedule UTC (under any of its names) as Intl's UTC does", () => {
    const resources = new OwnedResources((err) => {
      throw err;
    });
    try {
      for (const pattern of patterns) {
        const reference = new Cron(pattern, { timezone: "Etc/Universal", paused: true });
        const expected = reference.nextRun()?.getTime();
        reference.stop();
        for (const zone of ["UTC", "Etc/UTC", "gmt"]) {
          expect(resources.timers(undefined).cron(pattern, () => {}, { timezone: zone }).nextRun()?.getTime()).toBe(expected);
          expect(resources.timers(zone).cron(pattern, () => {}).nextRun()?.getTime()).toBe(expected);
        }
      }
    } finally {
      resources.releaseAll();
    }
  });

  it("schedule other zones in their local time and refuse unknown ones", () => {
    const resources = new OwnedResources((err) => {
      throw err;
    });
    try {
      const next = resources.timers("UTC").cron("0 2 * * *", () => {}, { timezone: "Asia/Kolkata" }).nextRun();
      // 02:00 in Kolkata (UTC+05:30, no daylight saving time) is 20:30 UTC.
      expect(next?.toISOString()).toMatch(/T20:30:00\.000Z$/);
      expect(() => resources.timers(undefined).cron("0 2 * * *", () => {}, { timezone: "Mars/Olympus" })).toThrow();
    } finally {
      resources.releaseAll();
    }
  });
});
