const activeMs = Number(env("SYSTEM_ACTIVE_SECONDS") ?? 120) * 1000;
const h = (flow.get("hosts") ?? {})[msg.req.params.host_id];
if (!h) return { ...msg, statusCode: 404, payload: { error: "not found", message: "no host " + msg.req.params.host_id } };
return { ...msg, payload: {
  id: h.id, hostname: h.hostname, system_type: h.system_type, ip_address: h.ip_address,
  cpu_model: h.cpu_model, cpu_cores: h.cpu_cores, ram_total: h.ram_total, gpu_model: h.gpu_model ?? "", os_version: h.os_version,
  is_active: Date.now() - Date.parse(h.last_seen) < activeMs, last_seen: h.last_seen,
  storage_devices: h.storage_devices ?? [], network_interfaces: h.network_interfaces ?? [],
} };
