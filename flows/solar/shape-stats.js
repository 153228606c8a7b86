const p = msg.payload;
const r2 = (v) => (v === null ? null : Math.round(v * 100) / 100);
const summary = (pts) => pts.length === 0 ? { avg: null, min: null, max: null } : {
  avg: r2(pts.reduce((a, x) => a + x.value, 0) / pts.length),
  min: r2(Math.min(...pts.map((x) => x.value))),
  max: r2(Math.max(...pts.map((x) => x.value))),
};
const sum = (pts) => r2(pts.reduce((a, x) => a + x.value, 0));
const last = (pts) => (pts.length ? pts[pts.length - 1].value : null);
return { ...msg, payload: {
  period_hours: Number(msg.req.query.hours ?? 24),
  readings: p.pv.length,
  pv_power: summary(p.pv),
  battery_voltage: summary(p.battery),
  load_power: summary(p.load),
  energy_produced: sum(p.produced),
  energy_consumed: sum(p.consumed),
  battery_soc: last(p.soc),
  last_reading: p.pv.length ? new Date(p.pv[p.pv.length - 1].time).toISOString() : null,
  units: { pv_power: "W", battery_voltage: "V", load_power: "W", energy_produced: "Wh", energy_consumed: "Wh", battery_soc: "%" },
} };
