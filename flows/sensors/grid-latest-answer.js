// The newest record of each kind (asked for upstream), and which API keys are set (never the keys themselves).
const first = (page) => (page.records[0] ? { id: page.records[0].id, ...page.records[0].body } : null);
const configured = { carbon_intensity: Boolean(env("ELECTRICITY_MAPS_API_KEY")), weather: Boolean(env("OPENWEATHER_API_KEY")) };
return { ...msg, payload: { carbon_intensity: first(msg.carbon), weather: first(msg.weather), configured } };
