// The household's sources until someone changes them.
if (flow.get("sources")) return null;
const now = new Date().toISOString();
flow.set("sources", [
  { id: 1, name: "grid", source_type: "grid", is_available: true, priority: 3, capacity_kw: null, updated_at: now },
  { id: 2, name: "solar", source_type: "solar", is_available: true, priority: 1, capacity_kw: 5, updated_at: now },
  { id: 3, name: "battery", source_type: "battery", is_available: true, priority: 2, capacity_kw: 10, updated_at: now },
]);
return null;
