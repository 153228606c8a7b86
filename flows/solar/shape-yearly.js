const r1 = (v) => Math.round(v * 10) / 10;
const years = new Map();
const entry = (y) => years.get(y) ?? { produced: 0, consumed: 0, best: null };
for (const m of msg.payload.produced) {
  const y = Number(m.period.slice(0, 4)); const e = entry(y);
  e.produced += m.value; if (!e.best || m.value > e.best.value) e.best = m; years.set(y, e);
}
for (const m of msg.payload.consumed) { const y = Number(m.period.slice(0, 4)); const e = entry(y); e.consumed += m.value; years.set(y, e); }
const list = [...years.keys()].sort((a, b) => b - a).slice(0, msg.q.years);
return { ...msg, payload: {
  years: list,
  energy_produced: list.map((y) => r1(years.get(y).produced / 1000)),
  energy_consumed: list.map((y) => r1(years.get(y).consumed / 1000)),
  best_months: list.map((y) => years.get(y).best?.period ?? null),
} };
