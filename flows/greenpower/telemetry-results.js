// Raw rows as stored (the generator's running as a boolean); a rollup row: its window's length and sample count,
// averages (counters: last values) under the field's own name, extremes as <field>_min / <field>_max.
if (msg.statusCode !== 200) return msg;
const q = msg.q;
const BOOLEAN = { generator: ["running"] };
const shape = (r) => {
  if (q.tier === "raw") return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (BOOLEAN[q.kind] ?? []).includes(k) && typeof v === "number" ? v !== 0 : v]));
  const { device_id, timestamp, count, ...fields } = r;
  const out = { device_id, timestamp, interval: q.tier, samples: count ?? 0 };
  for (const [k, v] of Object.entries(fields)) out[k.replace(/_(avg|last)$/, "")] = v;
  return out;
};
return { ...msg, headers: { "X-Telemetry-Tier": q.tier }, payload: { ...msg.payload, results: msg.payload.results.map(shape) } };
