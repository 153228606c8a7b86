// Sunshine hours are peak-sun hours: the day's PV energy (Wh) over the array's rated power (W).
const rated = Number(env("PV_RATED_WATTS") ?? 400);
const r1 = (v) => Math.round(v * 10) / 10;
const by = (list) => new Map(list.map((x) => [x.period, x.value]));
const produced = by(msg.payload.produced), consumed = by(msg.payload.consumed), peak = by(msg.payload.peak);
const dates = [...new Set([...produced.keys(), ...consumed.keys(), ...peak.keys()])].sort().reverse();
return { ...msg, payload: {
  dates,
  energy_produced: dates.map((d) => r1(produced.get(d) ?? 0)),
  energy_consumed: dates.map((d) => r1(consumed.get(d) ?? 0)),
  peak_power: dates.map((d) => r1(peak.get(d) ?? 0)),
  sunshine_hours: dates.map((d) => r1((produced.get(d) ?? 0) / rated)),
} };
