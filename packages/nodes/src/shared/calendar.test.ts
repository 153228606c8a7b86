import { describe, expect, it } from "vitest";
import { addUnits, isTimeZone, isoInZone, localParts, periodKey, startOf, zonedToUtc, type CalendarUnit } from "./calendar.js";

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

describe("calendar in UTC", () => {
  // "Etc/Universal" is UTC too but not one of the names answered without Intl: Intl's answer to compare with.
  const viaIntl = "Etc/Universal";
  const instants = ["2024-02-29T23:59:59.999Z", "2025-03-30T01:30:00Z", "2025-10-26T00:59:59Z", "2025-12-31T23:00:00Z", "1999-12-31T23:59:59Z", "0050-06-15T12:00:00Z"].map(Date.parse);

  /** Every calendar answer for `zone` at the test instants. */
  function answers(zone: string): unknown[] {
    const out: unknown[] = [isTimeZone(zone), zonedToUtc({ year: 2025, month: 3, day: 30, hour: 2, minute: 30, second: 0 }, zone)];
    for (const t of instants) {
      out.push(localParts(t, zone), isoInZone(t, zone));
      for (const unit of ["day", "month", "year"] as CalendarUnit[]) {
        const start = startOf(unit, t, zone);
        out.push(start, periodKey(unit, t, zone), addUnits(unit, start, -13, zone), addUnits(unit, start, 1, zone));
      }
    }
    return out;
  }

  it("gives the same days, months, years and local times as Intl, without creating a formatter", () => {
    const expected = answers(viaIntl);
    const original = Intl.DateTimeFormat;
    let created = 0;
    Intl.DateTimeFormat = new Proxy(original, {
      construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        created++;
        return new target(...args);
      },
    });
    try {
      for (const zone of ["UTC", "Etc/UTC", "utc", "GMT"]) expect(answers(zone)).toEqual(expected);
      expect(created).toBe(0);
    } finally {
      Intl.DateTimeFormat = original;
    }
  });

  it("keeps years below 100 as they are, in ISO's four digits", () => {
    const t = Date.parse("0050-06-15T12:34:56Z");
    for (const zone of ["UTC", viaIntl]) {
      expect(startOf("day", t, zone)).toBe(Date.parse("0050-06-15T00:00:00Z"));
      expect(startOf("year", t, zone)).toBe(Date.parse("0050-01-01T00:00:00Z"));
      expect(addUnits("month", startOf("month", t, zone), 1, zone)).toBe(Date.parse("0050-07-01T00:00:00Z"));
      expect(periodKey("month", t, zone)).toBe("0050-06");
      expect(isoInZone(t, zone)).toBe("0050-06-15T12:34:56.000+00:00");
    }
  });

  it("still knows other zones from Intl and refuses unknown ones", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });
});
