const r2 = (v) => Math.round(v * 100) / 100;
const months = new Map();
const month = (period) => period.slice(0, 7);
for (const d of msg.payload.produced) { const m = months.get(month(d.period)) ?? { produced: 0, consumed: 0, days: 0 }; m.produced += d.value; m.days += 1; months.set(month(d.period), m); }
for (const d of msg.payload.consumed) { const m = months.get(month(d.period)) ?? { produced: 0, consumed: 0, days: 0 }; m.consumed += d.value; months.set(month(d.period), m); }
const periods = [...months.keys()].sort().reverse().slice(0, msg.q.months);
return { ...msg, payload: {
  periods,
  energy_produced: periods.map((p) => r2(months.get(p).produced / 1000)),
  energy_consumed: periods.map((p) => r2(months.get(p).consumed / 1000)),
  avg_daily_production: periods.map((p) => r2(months.get(p).produced / 1000 / Math.max(1, months.get(p).days))),
} };
