// The telemetry endpoints' query: start_time, end_time (ISO 8601; default the 24 hours up to now; end inclusive),
// device_id (optional), page, page_size (default GREENPOWER_PAGE_SIZE, at most GREENPOWER_MAX_PAGE_SIZE), interval (optional tier),
// event_type (events only). Errors as Django REST Framework words them.
const KIND = { "/api/telemetry/rt-data/": "rt", "/api/telemetry/eny-now-data/": "eny_now", "/api/telemetry/environment-data/": "environment",
  "/api/telemetry/solar-data/": "solar", "/api/telemetry/generator-data/": "generator", "/api/telemetry/events/": "event" };
// Tiers finest first, each with the TTL (seconds) of the data it holds: the raw series, then the rollups.
const TTL = { raw: "MONGO_TODAY_TTL_SECONDS", "1m": "MONGO_LAST_7_DAYS_TTL_SECONDS", "10m": "MONGO_LAST_30_DAYS_TTL_SECONDS", "30m": "MONGO_LAST_30_DAYS_TTL_SECONDS",
  "3h": "MONGO_LAST_6_MONTHS_TTL_SECONDS", "6h": "MONGO_THIS_YEAR_TTL_SECONDS", year: "MONGO_THIS_YEAR_TTL_SECONDS" };
const TIERS = { rt: ["raw", "1m", "10m", "30m", "3h", "6h"], eny_now: ["raw", "30m", "3h", "6h"], environment: ["raw", "1m", "10m", "30m", "3h", "6h"],
  solar: ["raw"], generator: ["raw"], event: ["raw"] };
const ttlOf = (kind, tier) => Number(env(TTL[kind === "solar" || kind === "generator" || kind === "event" ? "year" : tier])) * 1000;
const kind = KIND[msg.req.path];
const q = msg.req.query;
const one = (name) => { const v = q[name]; const s = Array.isArray(v) ? v[v.length - 1] : v; return s === undefined || s === "" ? undefined : String(s); };
const errors = {};
const time = (name) => {
  const s = one(name);
  if (s === undefined) return undefined;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(\.\d{1,6})?)?)?(Z|[+-]\d\d:?\d\d)?$/i.exec(s.trim());
  const iso = m && `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? "00"}:${m[5] ?? "00"}:${m[6] ?? "00"}${m[7] ? m[7].slice(0, 4) : ""}${!m[8] || /z/i.test(m[8]) ? "Z" : m[8].length === 5 ? `${m[8].slice(0, 3)}:${m[8].slice(3)}` : m[8]}`;
  const t = iso ? Date.parse(iso) : Number.NaN;
  // Date.parse rolls 2026-02-30 over to March: a date that does not come back the same is not a date.
  if (!Number.isFinite(t) || (m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`)) {
    errors[name] = ["Enter a valid date/time."];
    return undefined;
  }
  return t;
};
const now = Date.now();
const end = time("end_time");
const start = time("start_time");
const interval = one("interval");
if (interval !== undefined && !TIERS[kind].includes(interval)) errors.interval = [`"${interval}" is not a valid choice.`];
const device_id = one("device_id");
if (device_id !== undefined && device_id.length > 100) errors.device_id = ["Ensure this field has no more than 100 characters."];
if (Object.keys(errors).length === 0 && start !== undefined && end !== undefined && start > end) errors.non_field_errors = ["start_time must be before end_time."];
if (Object.keys(errors).length > 0) return [null, { ...msg, statusCode: 400, payload: errors }];
const to = (end ?? now) + 1;
const from = start ?? to - 1 - 24 * 3_600_000;
// DRF's PageNumberPagination: a page that is not a positive integer is 404 "Invalid page."; a bad page_size falls back to the default.
const pageText = one("page") ?? "1";
if (!/^\d+$/.test(pageText) || Number(pageText) < 1) return [null, { ...msg, statusCode: 404, payload: { detail: "Invalid page." } }];
const maxSize = Number(env("GREENPOWER_MAX_PAGE_SIZE") ?? 1000);
const sizeText = one("page_size");
const page_size = sizeText !== undefined && /^\d+$/.test(sizeText) && Number(sizeText) > 0 ? Math.min(Number(sizeText), maxSize) : Math.min(Number(env("GREENPOWER_PAGE_SIZE") ?? 50), maxSize);
// The tier: the one asked for, else the finest whose retention still covers start_time (raw for today, 1m for the last 7 days, ...).
const tiers = TIERS[kind];
const tier = interval ?? tiers.find((t) => from >= now - ttlOf(kind, t)) ?? tiers[tiers.length - 1];
const series = kind === "event" ? "events" : tier === "raw" ? `greenpower.${kind}` : `greenpower.${kind}_${tier}`;
const event_type = kind === "event" ? one("event_type") : undefined;
return [{ ...msg, q: { kind, tier, series, from, to, page: Number(pageText), page_size, ...(device_id !== undefined ? { device_id } : {}), ...(event_type !== undefined ? { event_type } : {}) } }, null];
