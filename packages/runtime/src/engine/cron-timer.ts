import { Cron } from "croner";

/** A slot this far behind the clock (the machine slept, the process stalled) is not made up: the schedule goes on from now. */
const CATCH_UP_LIMIT_MS = 30_000;
/**
 * The longest single wait: the timer runs on the monotonic clock, so a wall clock set forward (NTP on a board
 * without a real-time clock, a VM resumed) is noticed at the next check, not when the whole wait has passed.
 */
const MAX_WAIT_MS = 30_000;

export interface CronTimer {
  /** When the next tick is due; null when the pattern has no more. */
  nextRun(): Date | null;
  stop(): void;
}

/**
 * Fires `fn` at every time `pattern` names, each due time once. croner computes the times; the timer here steps
 * from each fired time to the next rather than from the clock, because a timer can wake a moment before its time:
 * croner's own scheduler then re-reads the clock and, should it have ticked past the due second meanwhile, plans
 * from the second after, skipping a tick (a schedule of every 2 s fired at :44, then at :48). A tick that comes late runs late;
 * one more than CATCH_UP_LIMIT_MS behind is left out.
 */
export function cronTimer(pattern: string, zone: { timezone?: string; utcOffset?: number }, fn: () => void): CronTimer {
  const schedule = new Cron(pattern, { ...zone, paused: true });
  let due = schedule.nextRun();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const arm = (): void => {
    if (stopped || due === null) return;
    timer = setTimeout(check, Math.min(Math.max(due.getTime() - Date.now(), 0), MAX_WAIT_MS));
  };
  const check = (): void => {
    if (due === null) return;
    const now = Date.now();
    // Woken early, or a long wait checking the wall clock: wait again for the rest.
    if (now < due.getTime()) return arm();
    const fired = due;
    due = schedule.nextRun(fired);
    if (due !== null && now - due.getTime() > CATCH_UP_LIMIT_MS) due = schedule.nextRun(new Date(now));
    arm();
    fn();
  };
  arm();
  return {
    nextRun: () => due,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      schedule.stop();
    },
  };
}
