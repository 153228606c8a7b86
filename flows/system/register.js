// One report (this host's or an agent's): remember the host, its latest metrics, and pass the metrics on.
const { host, timestamp, metrics } = msg.payload;
const hosts = flow.get("hosts") ?? {};
hosts[host.id] = { ...host, last_seen: timestamp };
flow.set("hosts", hosts);
flow.set("metrics:" + host.id, { timestamp, metrics });
const values = {};
for (const [name, m] of Object.entries(metrics)) if (typeof m.value === "number") values[name] = m.value;
return { ...msg, payload: { timestamp, metrics }, host_id: host.id, values };
