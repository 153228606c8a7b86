// Rows hold dotted fields (temperature.inlet); readings are nested again, as devices send them.
const nest = (fields) => {
  const o = {};
  for (const [k, v] of Object.entries(fields)) {
    const parts = k.split(".");
    let at = o;
    for (const p of parts.slice(0, -1)) at = at[p] ??= {};
    at[parts[parts.length - 1]] = v;
  }
  return o;
};
const { total, rows } = msg.payload.r;
const readings = rows.map((r) => ({ timestamp: new Date(r.time).toISOString(), device_id: msg.req.params.device_id, ...nest(r.fields) }));
return { ...msg, payload: { device_id: msg.req.params.device_id, count: readings.length, total, readings } };
