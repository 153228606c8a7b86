import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMER_MS, longInterval, longTimeout } from "./long-timer.js";

const DAY = 24 * 60 * 60 * 1000;

describe("timers of any length", () => {
  afterEach(() => vi.useRealTimers());

  it("a 30-day timeout fires once, after 30 days, not at once", async () => {
    vi.useFakeTimers();
    let fired = 0;
    longTimeout(() => (fired += 1), 30 * DAY);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(fired).toBe(0);
    await vi.advanceTimersByTimeAsync(30 * DAY - MAX_TIMER_MS);
    expect(fired).toBe(1);
    await vi.advanceTimersByTimeAsync(60 * DAY);
    expect(fired).toBe(1);
  });

  it("a 30-day interval fires every 30 days, and stops when cleared", async () => {
    vi.useFakeTimers();
    let fired = 0;
    const timer = longInterval(() => (fired += 1), 30 * DAY);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fired).toBe(0);
    await vi.advanceTimersByTimeAsync(90 * DAY);
    expect(fired).toBe(3);
    timer.clear();
    await vi.advanceTimersByTimeAsync(90 * DAY);
    expect(fired).toBe(3);
  });

  it("a short interval is Node's own", async () => {
    vi.useFakeTimers();
    let fired = 0;
    const timer = longInterval(() => (fired += 1), 10);
    await vi.advanceTimersByTimeAsync(100);
    expect(fired).toBe(10);
    timer.clear();
  });
});
