import { describe, expect, it } from "vitest";
import { addUnits, isoInZone, periodKey, startOf } from "./calendar.js";

describe("calendar in a time zone", () => {
  const tz = "Europe/Berlin";
  it("finds local midnight, month and year starts", () => {
    const t = Date.parse("2025-04-20T18:23:42Z");
    expect(new Date(startOf("day", t, tz)).toISOString()).toBe("2025-04-19T22:00:00.000Z");
    expect(new Date(startOf("month", t, tz)).toISOString()).toBe("2025-03-31T22:00:00.000Z");
    expect(new Date(startOf("year", t, tz)).toISOString()).toBe("2024-12-31T23:00:00.000Z");
    expect(periodKey("day", Date.parse("2025-04-19T22:30:00Z"), tz)).toBe("2025-04-20");
  });

  it("the day clocks go forward has 23 hours and the day they go back 25", () => {
    const spring = startOf("day", Date.parse("2025-03-30T12:00:00Z"), tz);
    expect((addUnits("day", spring, 1, tz) - spring) / 3_600_000).toBe(23);
    const autumn = startOf("day", Date.parse("2025-10-26T12:00:00Z"), tz);
    expect((addUnits("day", autumn, 1, tz) - autumn) / 3_600_000).toBe(25);
    expect(periodKey("month", addUnits("month", autumn, -10, tz), tz)).toBe("2024-12");
  });

  it("writes ISO times with the zone's offset", () => {
    expect(isoInZone(Date.parse("2025-04-20T18:23:42.428Z"), tz)).toBe("2025-04-20T20:23:42.428+02:00");
    expect(isoInZone(Date.parse("2025-01-20T18:23:42.428Z"), "UTC")).toBe("2025-01-20T18:23:42.428+00:00");
  });
});
