// heatpump/site1/status/state → status.state; deeper levels join with dots. The presence node keeps them per device.
const key = msg.topic.split("/").slice(3).join(".") || "state";
return { ...msg, payload: { type: "device_status", device_id: msg.params.device_id, data: { [key]: msg.payload } } };
