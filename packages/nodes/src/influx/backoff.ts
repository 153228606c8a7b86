/** The first retry waits about this long; each further one doubles it, up to the cap. */
const FIRST_DELAY_MS = 500;

/**
 * Wait before retry number `attempt` (1, 2, …): exponential, capped, with
 * jitter so writers that lost the same server do not all return at once.
 * Always between half the capped delay and the full capped delay.
 */
export function retryDelay(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const capped = Math.min(maxMs, FIRST_DELAY_MS * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(capped / 2 + (random() * capped) / 2);
}
