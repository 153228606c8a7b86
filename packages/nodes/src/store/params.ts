import { getPath, type Message } from "@wattflow/runtime";

/** `{{req.query.hours|24}}` reads the message, with a default after `|`; anything else is literal. */
const TEMPLATE = /^\{\{\s*([^}|]+?)\s*(?:\|([^}]*))?\}\}$/;

export class ParamError extends Error {}

export function resolveParam(value: unknown, msg: Message): unknown {
  if (typeof value !== "string") return value;
  const m = TEMPLATE.exec(value);
  if (!m) return value;
  const found = getPath(msg, m[1]!);
  if (found === undefined || found === null || found === "") return m[2];
  return Array.isArray(found) ? found[0] : found;
}

/** The name a person sent: `days` for `{{req.query.days|30}}`, else the query field's own name. */
export function paramName(value: unknown, fallback: string): string {
  if (typeof value !== "string") return fallback;
  const m = TEMPLATE.exec(value);
  return m ? m[1]!.split(".").pop()! : fallback;
}

export function numberParam(name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new ParamError(`${name} must be a number (got ${JSON.stringify(value)})`);
  if (n < min || n > max) throw new ParamError(`${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}
