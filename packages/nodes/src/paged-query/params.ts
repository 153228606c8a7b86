/**
 * Query parameters as a Django REST Framework list endpoint reads them, with
 * its wording for errors: `{ "start_time": ["Enter a valid date/time."] }`.
 */
export type Query = Record<string, string | string[]>;
export type FieldErrors = Record<string, string[]>;

/** The last value of a parameter (a repeated one counts as its last), undefined when missing or empty. */
export function one(query: Query, name: string): string | undefined {
  const v = query[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return s === undefined || s === "" ? undefined : String(s);
}

const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(\.\d{1,6})?)?)?(Z|[+-]\d\d:?\d\d)?$/i;

/**
 * ISO 8601 date or date-time (without an offset it is UTC) in ms; NaN when
 * it is not one. A date that rolls over (2026-02-30) is not a date.
 */
export function parseDateTime(text: string): number {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac, zone] = m;
  const offset = !zone || /z/i.test(zone) ? "Z" : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac ? frac.slice(0, 4) : ""}${offset}`);
  if (new Date(Date.UTC(+y!, +mo! - 1, +d!)).toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) return Number.NaN;
  return t;
}

export interface PageRequest {
  page: number;
  pageSize: number;
}

/** DRF's page number pagination: a page that is not a positive integer is null (404 "Invalid page."); a bad page_size falls back to the default. */
export function pageRequest(query: Query, o: { pageParam: string; sizeParam: string; defaultSize: number; maxSize: number }): PageRequest | null {
  const pageText = one(query, o.pageParam) ?? "1";
  if (!/^\d+$/.test(pageText) || Number(pageText) < 1) return null;
  const sizeText = one(query, o.sizeParam);
  const asked = sizeText !== undefined && /^\d+$/.test(sizeText) && Number(sizeText) > 0 ? Number(sizeText) : o.defaultSize;
  return { page: Number(pageText), pageSize: Math.min(asked, o.maxSize) };
}

/** Times as DRF writes them: UTC with Z, microseconds only when there are some. */
export function drfTime(ms: number): string {
  const d = new Date(ms);
  const frac = d.getUTCMilliseconds();
  return d.toISOString().replace(/\.\d{3}Z$/, frac ? `.${String(frac).padStart(3, "0")}000Z` : "Z");
}
