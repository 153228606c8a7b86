// OpenWeatherMap current weather: { main: { temp, humidity, pressure }, clouds: { all }, wind: { speed }, weather: [{ main, description }], dt, name }
const b = msg.payload;
if (msg.statusCode !== 200 || typeof b?.main?.temp !== "number") throw new Error(`OpenWeatherMap answered ${msg.statusCode}: ${JSON.stringify(b).slice(0, 200)}`);
const item = { data_type: "weather", value: b.main.temp, unit: "celsius", source: "openweathermap", zone: b.name ?? null, timestamp: new Date((b.dt ?? Date.now() / 1000) * 1000).toISOString(),
  metadata: { humidity: b.main.humidity ?? null, pressure: b.main.pressure ?? null, cloud_cover: b.clouds?.all ?? null, wind_speed: b.wind?.speed ?? null, description: b.weather?.[0]?.description ?? null } };
return { ...msg, payload: item };
