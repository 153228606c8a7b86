const key = env("OPENWEATHER_API_KEY");
if (!key) {
  node.status({ fill: "grey", shape: "ring", text: "OPENWEATHER_API_KEY not set: weather not fetched" });
  if (!context.get("said")) { node.warn("OPENWEATHER_API_KEY is not set: weather is not fetched"); context.set("said", true); }
  return null;
}
const lat = env("LOCATION_LAT") ?? "12.9716", lon = env("LOCATION_LON") ?? "77.5946";
const base = env("OPENWEATHER_URL") ?? "https://api.openweathermap.org";
node.status({ fill: "green", shape: "dot", text: `${lat}, ${lon}` });
return { ...msg, url: `${base}/data/2.5/weather?lat=${lat}&lon=${lon}&units=metric&appid=${encodeURIComponent(key)}` };
