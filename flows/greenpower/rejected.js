// Readings refused on the way in (not JSON, not an object, unknown kind, schema problems): counted by source and kind,
// the last 20 kept with their reasons (shown by /api/health/). Nothing else is affected.
const KINDS = ["rt", "eny_now", "environment", "solar", "generator", "event"];
const caught = msg.error !== undefined;
const source = msg.source ?? (msg.client !== undefined || msg.error?.source?.id === "tcp-telemetry" ? "tcp" : "mqtt");
const where = msg.where ?? (msg.client ? `tcp ${msg.client.address}:${msg.client.port}${msg.line ? ` line ${msg.line}` : ""}` : msg.topic ?? "");
const reason = caught ? msg.error.message : (msg.errors ?? []).map((e) => e.message).join("; ");
const kind = !caught && KINDS.includes(msg.payload?.kind) ? msg.payload.kind : null;
const r = flow.get("rejected") ?? { total: 0, mqtt: 0, tcp: 0, by_kind: {}, recent: [] };
r.total += 1;
r[source] = (r[source] ?? 0) + 1;
if (kind) r.by_kind[kind] = (r.by_kind[kind] ?? 0) + 1;
r.recent.unshift({ time: new Date().toISOString(), source, where, kind, reason: String(reason).slice(0, 300) });
if (r.recent.length > 20) r.recent.length = 20;
flow.set("rejected", r);
node.status({ fill: "yellow", shape: "ring", text: `${r.total} rejected (mqtt ${r.mqtt}, tcp ${r.tcp}); last: ${String(reason).slice(0, 80)}` });
node.warn(`${where}: reading rejected: ${reason}`);
return null;
