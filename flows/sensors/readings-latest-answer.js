const latest = Object.values(flow.get("latest") ?? {}).sort((a, b) => `${a.sensor_type}/${a.sensor_id}`.localeCompare(`${b.sensor_type}/${b.sensor_id}`));
return { ...msg, payload: latest };
