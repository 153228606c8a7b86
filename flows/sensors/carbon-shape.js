// Electricity Maps: { zone, carbonIntensity (gCO2eq/kWh), datetime, updatedAt, isEstimated, ... }
const b = msg.payload;
if (msg.statusCode !== 200 || typeof b?.carbonIntensity !== "number") throw new Error(`Electricity Maps answered ${msg.statusCode}: ${JSON.stringify(b).slice(0, 200)}`);
const item = { data_type: "carbon_intensity", value: b.carbonIntensity, unit: "gCO2eq/kWh", source: "electricitymaps", zone: b.zone, timestamp: new Date(b.datetime ?? Date.now()).toISOString(), metadata: { is_estimated: b.isEstimated ?? null, updated_at: b.updatedAt ?? null } };
return { ...msg, payload: item };
