import { describe, expect, it } from "vitest";
import { readingTime } from "./reading-time.js";

describe("readingTime", () => {
  it("reads ISO times to the same ms as Date.parse, and leaves everything else to it (or to now)", () => {
    const valid = [
      "2021-11-01T00:00:00Z",
      "2021-11-01T00:00:00.5Z",
      "2021-11-01T00:00:00.05Z",
      "2021-11-01T23:59:59.999Z",
      "2024-02-29T12:00:00+01:00",
      "2023-12-31T23:30:00-12:30",
      "1969-07-20T20:17:40Z",
      "2026-03-29T01:59:59.123+14:00",
      // Left to Date.parse: more than three fraction digits, hour 24, a lower-case zone, a space.
      "2021-11-01T00:00:00.123456Z",
      "2021-11-01T24:00:00Z",
      "2021-11-01t00:00:00z",
      "2021-11-01 00:00:00Z",
      "2021-11-01",
    ];
    for (const text of valid) expect([text, readingTime(text)]).toEqual([text, Date.parse(text)]);
    // Not times: now, as before (timeOf).
    // Near misses of the usual shape are left to Date.parse too: an empty fraction, a zone without its colon, a letter for a digit.
    const nearMisses = ["2021-11-01T00:00:00.Z", "2021-11-01T00:00:00+0100", "2021-11-01T00:00:00.1234+01:00", "2021-11-01T00:0a:00Z", "2021-11-01T00:00:00Z "];
    for (const text of ["2023-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "2021-11-01T00:60:00Z", "2021-11-01T00:00:00+24:00", "soon", ...nearMisses]) {
      const before = Date.now();
      expect(Number.isNaN(Date.parse(text)) ? readingTime(text) >= before : readingTime(text) === Date.parse(text)).toBe(true);
    }
    expect(readingTime(1_700_000_000_000)).toBe(1_700_000_000_000);
  });
});
