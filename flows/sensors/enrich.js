// Times as Django REST Framework writes them: ISO 8601 in UTC, milliseconds only when there are some.
const iso = (t) => new Date(t).toISOString().replace(".000Z", "Z");
const UNITS = { ldr: "lux", temperature: "celsius", humidity: "percent", current: "ampere", voltage: "volt", power: "watt", pir: "boolean", motion: "boolean", co2: "ppm" };

// The topic names location and type; the payload may repeat them. Missing unit and time are filled in.
const p = msg.payload;
const sensor_type = p.sensor_type ?? msg.params.sensor_type;
const location = p.location ?? msg.params.location;
if (sensor_type !== msg.params.sensor_type || location !== msg.params.location) {
  throw new Error(`${msg.topic}: payload says ${location}/${sensor_type}, the topic ${msg.params.location}/${msg.params.sensor_type}`);
}
const reading = {
  sensor_type,
  sensor_id: p.sensor_id ?? `${sensor_type}_${location}`,
  value: p.value,
  unit: p.unit ?? UNITS[sensor_type] ?? "",
  location,
  timestamp: iso(p.timestamp ?? Date.now()),
};
const latest = flow.get("latest") ?? {};
latest[`${reading.sensor_type}/${reading.sensor_id}`] = reading;
flow.set("latest", latest);
return [{ ...msg, payload: reading }, { ...msg, payload: { type: "sensor_update", data: reading } }];
