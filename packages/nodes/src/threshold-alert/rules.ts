/**
 * The alert state machine of one rule for one key: ok → pending (the value is
 * out of bounds, waiting for the minimum duration) → raised → ok once the
 * value is back past the clear level. Pure, so restarts only need the state.
 */
export type RuleOp = "above" | "below" | "outside";

export interface RuleBounds {
  op: RuleOp;
  /** above/below: the limit; outside: unused. */
  limit?: number;
  low?: number;
  high?: number;
  /** above/below: the level the value must be back to (default: the limit less the hysteresis). */
  clear?: number;
  hysteresis: number;
  /** Milliseconds the value must stay out of bounds before the alert is raised. */
  forMs: number;
}

export interface AlertState {
  phase: "pending" | "raised";
  /** Reading time the value went out of bounds. */
  since: number;
  /** Reading time the alert was raised. */
  raisedAt?: number;
}

export type Transition = { kind: "raise"; threshold: number; since: number } | { kind: "clear"; threshold: number; raisedAt: number } | null;

/** Which bound `v` is beyond, or null when within. */
function breach(b: RuleBounds, v: number): number | null {
  if (b.op === "above") return v > b.limit! ? b.limit! : null;
  if (b.op === "below") return v < b.limit! ? b.limit! : null;
  if (v < b.low!) return b.low!;
  if (v > b.high!) return b.high!;
  return null;
}

/** True when `v` is back far enough to clear a raised alert. */
function recovered(b: RuleBounds, v: number): boolean {
  if (b.op === "above") return v <= (b.clear ?? b.limit! - b.hysteresis);
  if (b.op === "below") return v >= (b.clear ?? b.limit! + b.hysteresis);
  return v >= b.low! + b.hysteresis && v <= b.high! - b.hysteresis;
}

/** The clear level reported with a cleared alert. */
function clearLevel(b: RuleBounds, v: number): number {
  if (b.op === "above") return b.clear ?? b.limit! - b.hysteresis;
  if (b.op === "below") return b.clear ?? b.limit! + b.hysteresis;
  return Math.abs(v - b.low!) < Math.abs(v - b.high!) ? b.low! + b.hysteresis : b.high! - b.hysteresis;
}

/** Checks a rule's bounds make sense; returns a problem or null. */
export function boundsProblem(b: RuleBounds): string | null {
  if (b.op === "outside") {
    if (b.low === undefined || b.high === undefined) return "outside needs low and high";
    if (b.low + b.hysteresis > b.high - b.hysteresis) return "low + hysteresis must not exceed high - hysteresis";
    return null;
  }
  if (b.limit === undefined) return `${b.op} needs a limit`;
  if (b.clear !== undefined && (b.op === "above" ? b.clear > b.limit : b.clear < b.limit)) return `clear ${b.clear} must be on the normal side of limit ${b.limit}`;
  return null;
}

/** Advances one key's state with a reading; `state` is updated in place (undefined means ok). */
export function step(b: RuleBounds, state: AlertState | undefined, v: number, t: number): { state: AlertState | undefined; transition: Transition } {
  const beyond = breach(b, v);
  if (state?.phase === "raised") {
    if (!recovered(b, v)) return { state, transition: null };
    return { state: undefined, transition: { kind: "clear", threshold: clearLevel(b, v), raisedAt: state.raisedAt ?? state.since } };
  }
  if (beyond === null) return { state: undefined, transition: null };
  const since = state?.since ?? t;
  if (t - since < b.forMs) return { state: state ?? { phase: "pending", since }, transition: null };
  return { state: { phase: "raised", since, raisedAt: t }, transition: { kind: "raise", threshold: beyond, since } };
}
