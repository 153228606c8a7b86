// Times as Django REST Framework writes them: ISO 8601 in UTC, milliseconds only when there are some.
const iso = (t) => new Date(t).toISOString().replace(".000Z", "Z");
const UNITS = { ldr: "lux", temperature: "celsius", humidity: "percent", current: "ampere", voltage: "volt", power: "watt", pir: "boolean", motion: "boolean", co2: "ppm" };

const toReading = (row) => ({ sensor_type: row.tags.sensor_type, sensor_id: row.tags.sensor_id, value: row.fields.value, unit: UNITS[row.tags.sensor_type] ?? "", location: row.tags.location, timestamp: iso(row.time) });
const units = flow.get("latest") ?? {};
const withUnit = (r) => ({ ...r, unit: units[`${r.sensor_type}/${r.sensor_id}`]?.unit ?? r.unit });

const { page, pageSize, total, rows } = msg.payload.r;
const link = (p) => {
  const params = new URLSearchParams(Object.entries(msg.req.query).filter(([k]) => k !== "page"));
  params.set("page", String(p));
  return `${msg.req.path}?${params}`;
};
if (page > 1 && (page - 1) * pageSize >= total) return { ...msg, statusCode: 404, payload: { detail: "Invalid page." } };
return { ...msg, payload: { count: total, next: page * pageSize < total ? link(page + 1) : null, previous: page > 1 ? link(page - 1) : null, results: rows.map(toReading).map(withUnit) } };
