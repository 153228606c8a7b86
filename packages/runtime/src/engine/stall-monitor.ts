import { monitorEventLoopDelay, performance, type IntervalHistogram } from "node:perf_hooks";
import { slowHandlersSince, type SlowHandler } from "./running-handler.js";
import type { EventLoopDelay, Stall } from "../api/types.js";

export type { EventLoopDelay, Stall };

/**
 * Sees the event loop stall. One process has one event loop, so the delay
 * histogram and the watchdog are process-wide; engines subscribe to hear
 * about stalls. The watchdog is a timer: when it fires late, the loop was
 * blocked, and the slow input handlers recorded meanwhile say which node did it.
 */

export type StallListener = (stall: Stall) => void;

export const STALL_THRESHOLD_MS = 1000;
const TICK_MS = 100;
const WINDOW_MS = 60_000;
/** The histogram samples with a timer this often; each sample includes this interval, taken off again below. */
const RESOLUTION_MS = 20;

interface Snapshot {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

let histogram: IntervalHistogram | null = null;
let previousWindow: Snapshot | null = null;
let windowStarted = 0;
let stallCount = 0;
let lastStall: Stall | undefined;
const listeners = new Set<StallListener>();
let watchdog: NodeJS.Timeout | null = null;
let lastTick = 0;

function delayHistogram(): IntervalHistogram {
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    windowStarted = performance.now();
  }
  return histogram;
}

function snapshot(h: IntervalHistogram): Snapshot {
  return { p50: h.percentile(50), p99: h.percentile(99), max: h.max, count: h.count };
}

/** Starts a fresh window every minute, keeping the last one, so a stall shows for a minute or two, not forever. */
function rollWindow(): void {
  const h = delayHistogram();
  if (performance.now() - windowStarted < WINDOW_MS) return;
  previousWindow = snapshot(h);
  h.reset();
  windowStarted = performance.now();
}

const NS_PER_S = 1e9;
const RESOLUTION_NS = RESOLUTION_MS * 1e6;
const seconds = (ns: number): number => Math.max(0, ns - RESOLUTION_NS) / NS_PER_S;

/** The event-loop delay now (starts measuring on first use). */
export function eventLoopDelay(): EventLoopDelay {
  rollWindow();
  const current = snapshot(delayHistogram());
  const source = current.count > 0 ? current : (previousWindow ?? current);
  const max = Math.max(current.count > 0 ? current.max : 0, previousWindow?.max ?? 0);
  return {
    p50Seconds: source.count > 0 ? seconds(source.p50) : 0,
    p99Seconds: source.count > 0 ? seconds(source.p99) : 0,
    maxSeconds: seconds(max),
    stalls: stallCount,
    ...(lastStall ? { lastStall } : {}),
  };
}

function culprit(handlers: SlowHandler[]): SlowHandler | undefined {
  let longest: SlowHandler | undefined;
  for (const h of handlers) if (!longest || h.ended - h.started > longest.ended - longest.started) longest = h;
  return longest;
}

const tick = (): void => {
  const now = performance.now();
  const blockedMs = now - lastTick - TICK_MS;
  const since = lastTick;
  lastTick = now;
  if (blockedMs < STALL_THRESHOLD_MS) return;
  const slow = culprit(slowHandlersSince(since));
  const stall: Stall = {
    time: new Date().toISOString(),
    blockedMs: Math.round(blockedMs),
    ...(slow ? { node: slow.key, nodeMs: Math.round(slow.ended - slow.started) } : {}),
  };
  stallCount += 1;
  lastStall = stall;
  for (const listener of listeners) {
    try {
      listener(stall);
    } catch {
      // One engine's listener failing must not keep the others from hearing.
    }
  }
};

/**
 * Hears about every stall until the returned function is called. The
 * watchdog runs while anyone listens, and never keeps the process alive.
 */
export function onStall(listener: StallListener): () => void {
  delayHistogram();
  listeners.add(listener);
  if (!watchdog) {
    lastTick = performance.now();
    watchdog = setInterval(tick, TICK_MS);
    watchdog.unref();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && watchdog) {
      clearInterval(watchdog);
      watchdog = null;
    }
  };
}

/** One line for the log: how long, and which node. */
export function describeStall(stall: Stall): string {
  const who = stall.node
    ? `${stall.node}'s input handler ran ${stall.nodeMs} ms`
    : "no node's input handler ran long (a timer, an I/O callback or code after an await held it)";
  return `event loop blocked for ${stall.blockedMs} ms: ${who}`;
}
