// Without a key the flow runs on; it says once, in its status and the log, that carbon intensity is not fetched.
const key = env("ELECTRICITY_MAPS_API_KEY");
if (!key) {
  node.status({ fill: "grey", shape: "ring", text: "ELECTRICITY_MAPS_API_KEY not set: carbon intensity not fetched" });
  if (!context.get("said")) { node.warn("ELECTRICITY_MAPS_API_KEY is not set: carbon intensity is not fetched"); context.set("said", true); }
  return null;
}
const zone = env("LOCATION_ZONE") ?? "IN-KA";
const base = env("ELECTRICITY_MAPS_URL") ?? "https://api.electricitymap.org";
node.status({ fill: "green", shape: "dot", text: `zone ${zone}` });
return { ...msg, url: `${base}/v3/carbon-intensity/latest?zone=${encodeURIComponent(zone)}` };
