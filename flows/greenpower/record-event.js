// Events are records (collection greenpower.events). A redelivered message (MQTT QoS 1 after a reconnect) has the
// same key, so the store keeps it once; the count point it writes has the same time and tags, so it is not counted twice.
const { kind, ...event } = msg.payload;
const key = [event.timestamp, event.device_id, event.event_type, event.message ?? ""].join("|");
return { ...msg, key, payload: { ...event, created_at: new Date().toISOString() } };
