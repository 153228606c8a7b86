/** The daily_stats and monthly_stats answers from store-query calendar days, as the solar endpoints give them. */
export interface DailyStats {
  dates: string[];
  energy_produced: number[];
  energy_consumed: number[];
  peak_power: number[];
  sunshine_hours: number[];
}

export interface MonthlyStats {
  periods: string[];
  energy_produced: number[];
  energy_consumed: number[];
  avg_daily_production: number[];
}

/**
 * Rounds to `decimals` places, half to even, as JSONata's `$round` does: the
 * expressions this replaces rounded so, and the answers stay the same.
 */
export function roundHalfEven(value: number, decimals: number): number {
  const [mantissa, exponent] = value.toString().split("e");
  const scaled = Number(`${mantissa}e${exponent ? Number(exponent) + decimals : decimals}`);
  let result = Math.round(scaled);
  if (Math.abs(result - scaled) === 0.5 && Math.abs(result % 2) === 1) result -= 1;
  const [m, e] = result.toString().split("e");
  const back = Number(`${m}e${e ? Number(e) - decimals : -decimals}`);
  return Object.is(back, -0) ? 0 : back;
}

/** A calendar result's periods in their order (newest first); a missing list is empty. */
function periodsOf(result: Record<string, unknown>, name: string, where: string): { period: string; value: number }[] {
  const list = result[name];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error(`${where}.${name} is not a list of calendar periods`);
  return list.map((item: unknown, i) => {
    const p = item as { period?: unknown; value?: unknown } | null;
    if (!p || typeof p.period !== "string" || typeof p.value !== "number") throw new Error(`${where}.${name}[${i}] is not a calendar period ({ period, value })`);
    return { period: p.period, value: p.value };
  });
}

const byPeriod = (result: Record<string, unknown>, name: string, where: string): Map<string, number> =>
  new Map(periodsOf(result, name, where).map((p) => [p.period, p.value]));

function resultOf(result: unknown, where: string, names: string): Record<string, unknown> {
  if (result === null || typeof result !== "object" || Array.isArray(result)) throw new Error(`${where} is not a store-query result ({ ${names} })`);
  return result as Record<string, unknown>;
}

/**
 * Every date that has any of the three figures, newest first; a figure the
 * date lacks is 0. Energy in Wh and power in W to one decimal; sunshine hours
 * are the day's PV energy over the panels' rated power.
 */
export function dailyStats(result: unknown, where: string, ratedWatts: number): DailyStats {
  const r = resultOf(result, where, "produced, consumed, peak");
  const produced = byPeriod(r, "produced", where);
  const consumed = byPeriod(r, "consumed", where);
  const peak = byPeriod(r, "peak", where);
  const dates = [...new Set([...produced.keys(), ...consumed.keys(), ...peak.keys()])].sort().reverse();
  const column = (values: Map<string, number>, of: (v: number) => number): number[] => dates.map((d) => (values.has(d) ? roundHalfEven(of(values.get(d)!), 1) : 0));
  return {
    dates,
    energy_produced: column(produced, (v) => v),
    energy_consumed: column(consumed, (v) => v),
    peak_power: column(peak, (v) => v),
    sunshine_hours: column(produced, (v) => v / ratedWatts),
  };
}

/** Days summed per month (`2025-04`), in the days' order: the sum is added up as the days come, newest first. */
function months(days: { period: string; value: number }[]): Map<string, { sum: number; days: number }> {
  const out = new Map<string, { sum: number; days: number }>();
  for (const d of days) {
    const key = d.period.slice(0, 7);
    const m = out.get(key);
    if (m) {
      m.sum += d.value;
      m.days += 1;
    } else out.set(key, { sum: d.value, days: 1 });
  }
  return out;
}

/**
 * The newest `count` months that have production or consumption, from days
 * in Wh: each month's energy in kWh and its production per day with data
 * (kWh), to two decimals; a figure the month lacks is 0.
 */
export function monthlyStats(result: unknown, where: string, count: number): MonthlyStats {
  const r = resultOf(result, where, "produced, consumed");
  const produced = months(periodsOf(r, "produced", where));
  const consumed = months(periodsOf(r, "consumed", where));
  const periods = [...new Set([...produced.keys(), ...consumed.keys()])].sort().reverse().slice(0, count);
  const column = (values: Map<string, { sum: number; days: number }>, of: (m: { sum: number; days: number }) => number): number[] =>
    periods.map((p) => (values.has(p) ? roundHalfEven(of(values.get(p)!), 2) : 0));
  return {
    periods,
    energy_produced: column(produced, (m) => m.sum / 1000),
    energy_consumed: column(consumed, (m) => m.sum / 1000),
    avg_daily_production: column(produced, (m) => m.sum / 1000 / m.days),
  };
}
