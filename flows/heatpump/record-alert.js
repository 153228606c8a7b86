// Alert history: newest first, the last ALERT_HISTORY kept (and none older than the retention).
const keep = Number(env("HEATPUMP_ALERT_HISTORY") ?? 1000);
const alerts = flow.get("alerts") ?? [];
const seq = (flow.get("alert_seq") ?? 0) + 1;
flow.set("alert_seq", seq);
const alert = { id: seq, ...msg.payload };
alerts.unshift(alert);
if (alerts.length > keep) alerts.length = keep;
flow.set("alerts", alerts);
node.status({ fill: alert.severity === "critical" ? "red" : "yellow", shape: "dot", text: `${seq} alerts; last: ${alert.device_id} ${alert.type}` });
return [{ ...msg, payload: { type: "alert", device_id: alert.device_id, data: alert } }, { ...msg, payload: { ...alert, count: 1 } }];
