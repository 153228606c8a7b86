const activeMs = Number(env("SYSTEM_ACTIVE_SECONDS") ?? 120) * 1000;
const hosts = Object.values(flow.get("hosts") ?? {});
const now = Date.now();
return { ...msg, payload: hosts
  .sort((a, b) => a.hostname.localeCompare(b.hostname))
  .map((h) => ({ id: h.id, hostname: h.hostname, system_type: h.system_type, ip_address: h.ip_address, is_active: now - Date.parse(h.last_seen) < activeMs, last_seen: h.last_seen })) };
