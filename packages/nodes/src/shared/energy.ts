/**
 * The energy integral every Wattflow node uses: power readings (W) joined by
 * straight lines (the trapezoid rule), in watt-hours. A segment between two
 * readings further apart than the maximum gap adds nothing, so an outage
 * invents no energy. One implementation, so hourly, daily and streaming
 * figures agree.
 */
export interface PowerReading {
  /** Epoch milliseconds. */
  t: number;
  /** Watts. */
  v: number;
}

const MS_PER_HOUR = 3_600_000;

/** Wh of the segment from `a` to `b`; 0 when `b` is not after `a` or the gap exceeds `maxGapMs`. */
export function segmentWh(a: PowerReading, b: PowerReading, maxGapMs: number): number {
  const dt = b.t - a.t;
  if (!(dt > 0) || dt > maxGapMs) return 0;
  return ((a.v + b.v) / 2) * (dt / MS_PER_HOUR);
}

/**
 * Splits the segment from `a` to `b` at period boundaries and hands each
 * part's Wh to `add` with the time the part starts at. `nextBoundary(t)`
 * returns the first boundary strictly after `t`. The power at a boundary is
 * interpolated on the segment's line, so the parts add up to `segmentWh`
 * exactly and no energy is lost where a segment crosses into the next hour.
 */
export function splitSegmentWh(
  a: PowerReading,
  b: PowerReading,
  maxGapMs: number,
  nextBoundary: (t: number) => number,
  add: (partStart: number, wh: number) => void,
): void {
  const dt = b.t - a.t;
  if (!(dt > 0) || dt > maxGapMs) return;
  const at = (t: number): number => a.v + ((b.v - a.v) * (t - a.t)) / dt;
  let from: PowerReading = a;
  for (;;) {
    const boundary = nextBoundary(from.t);
    if (!(boundary > from.t) || boundary >= b.t) break;
    const cut = { t: boundary, v: at(boundary) };
    add(from.t, segmentWh(from, cut, Infinity));
    from = cut;
  }
  add(from.t, segmentWh(from, b, Infinity));
}

/** Wh of readings sorted by time. */
export function energyWh(readings: readonly PowerReading[], maxGapMs: number): number {
  let wh = 0;
  for (let i = 1; i < readings.length; i++) wh += segmentWh(readings[i - 1]!, readings[i]!, maxGapMs);
  return wh;
}
