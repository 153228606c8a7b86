const p = msg.payload.produced, c = msg.payload.consumed;
const tz = env("SOLAR_TIMEZONE") ?? "UTC";
const day = (ms) => new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));
const r1 = (v) => Math.round(v * 10) / 10, r2 = (v) => Math.round(v * 100) / 100;
const install = env("SOLAR_INSTALL_DATE") || (p.firstTime !== null ? day(p.firstTime) : null);
return { ...msg, payload: {
  total_energy_produced: r1(p.total / 1000),
  total_energy_consumed: r1(c.total / 1000),
  peak_power_ever: p.peak ? r1(p.peak.value) : null,
  peak_power_date: p.peak ? day(p.peak.at) : null,
  best_day_ever: p.bestDay?.period ?? null,
  best_day_production: p.bestDay ? r2(p.bestDay.value / 1000) : null,
  best_month_ever: p.bestMonth?.period ?? null,
  best_month_production: p.bestMonth ? r1(p.bestMonth.value / 1000) : null,
  operational_days: p.days,
  system_install_date: install,
} };
