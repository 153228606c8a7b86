const id = msg.req.params.host_id;
const h = (flow.get("hosts") ?? {})[id];
const latest = flow.get("metrics:" + id);
if (!h || !latest) return { ...msg, statusCode: 404, payload: { error: "not found", message: "no metrics for host " + id } };
return { ...msg, payload: { host_id: id, hostname: h.hostname, metrics: latest.metrics } };
