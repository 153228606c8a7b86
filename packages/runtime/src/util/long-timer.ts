/**
 * Node's setTimeout and setInterval hold at most 2^31 - 1 ms (about 24.8 days); past that they fire after
 * 1 ms, so a "30d" interval would run a thousand times a second. These wait any length, in steps.
 */
export const MAX_TIMER_MS = 2_147_483_647;

export interface LongTimer {
  clear(): void;
}

/** Calls `fn` once after `ms`, however long. */
export function longTimeout(fn: () => void, ms: number): LongTimer {
  let timer: NodeJS.Timeout;
  const wait = (left: number): void => {
    timer = left > MAX_TIMER_MS ? setTimeout(() => wait(left - MAX_TIMER_MS), MAX_TIMER_MS) : setTimeout(fn, left);
  };
  wait(ms);
  return { clear: () => clearTimeout(timer) };
}

/** Calls `fn` every `ms`, however long: Node's own interval when it can hold `ms`, else a timeout re-armed at each call. */
export function longInterval(fn: () => void, ms: number): LongTimer {
  if (ms <= MAX_TIMER_MS) {
    const timer = setInterval(fn, ms);
    return { clear: () => clearInterval(timer) };
  }
  let current: LongTimer;
  const arm = (): void => {
    current = longTimeout(() => {
      arm();
      fn();
    }, ms);
  };
  arm();
  return { clear: () => current.clear() };
}
