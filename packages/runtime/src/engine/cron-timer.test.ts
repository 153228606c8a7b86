/**
 * The cron timer fires every due time once: it steps from each fired time to the next, so a stall or a timer
 * that wakes a moment early does not make it skip a tick, and a stall longer than its catch-up limit goes on
 * from the clock instead of firing every missed time.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { cronTimer } from "./cron-timer.js";

const at = (s: number, ms = 0) => Date.UTC(2030, 0, 1, 0, 0, s, ms);

describe("cronTimer", () => {
  afterEach(() => vi.useRealTimers());

  it("fires each due time once, a late one late, and never plans past the time it fired", async () => {
    vi.useFakeTimers({ now: at(0, 500) });
    const seen: number[] = [];
    const timer = cronTimer("*/2 * * * * *", { utcOffset: 0 }, () => seen.push(timer.nextRun()!.getTime()));
    try {
      expect(timer.nextRun()!.getTime()).toBe(at(2));
      await vi.advanceTimersByTimeAsync(1600);
      expect(seen).toEqual([at(4)]);
      // The clock jumps 5 s (a stall): the timer due at :4 wakes at :9, and the times missed meanwhile (:4, :6
      // and :8) all fire then, in order, before the schedule goes on at :10.
      vi.setSystemTime(at(7, 100));
      await vi.advanceTimersByTimeAsync(1950);
      expect(seen).toEqual([at(4), at(6), at(8), at(10)]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(seen).toEqual([at(4), at(6), at(8), at(10), at(12)]);
    } finally {
      timer.stop();
    }
  });

  it("goes on from the clock after a stall past its catch-up limit, and stops for good", async () => {
    vi.useFakeTimers({ now: at(0, 500) });
    let fired = 0;
    const timer = cronTimer("*/2 * * * * *", { utcOffset: 0 }, () => (fired += 1));
    // The clock jumps 48 s: the timer due at :2 wakes at :51.5 and fires; the next is the clock's next, not the
    // two dozen in between.
    vi.setSystemTime(at(50));
    await vi.advanceTimersByTimeAsync(1500);
    expect(fired).toBe(1);
    expect(timer.nextRun()!.getTime()).toBe(at(52));
    timer.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fired).toBe(1);
  });

  it("notices a wall clock set forward within 30 s, not when the whole wait has passed", async () => {
    vi.useFakeTimers({ now: at(15) });
    let fired = 0;
    const timer = cronTimer("0 * * * *", { utcOffset: 0 }, () => (fired += 1));
    try {
      // NTP sets the clock of a board that started without one: 59 min 35 s forward, past the hour due.
      vi.setSystemTime(Date.UTC(2030, 0, 1, 1, 0, 10));
      await vi.advanceTimersByTimeAsync(30_000);
      expect(fired).toBe(1);
      expect(timer.nextRun()!.getTime()).toBe(Date.UTC(2030, 0, 1, 2, 0, 0));
    } finally {
      timer.stop();
    }
  });
});
