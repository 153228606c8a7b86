const d = (flow.get("devices") ?? {})[msg.req.params.device_id];
if (!d?.latest) return { ...msg, statusCode: 404, payload: { detail: `No readings for device ${msg.req.params.device_id}` } };
return { ...msg, payload: d.latest };
