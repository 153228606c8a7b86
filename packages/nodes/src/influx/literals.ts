import { toFluxValue } from "@influxdata/influxdb-client";
import { getPath, type Message } from "@wattflow/runtime";

/** `{{payload.device}}` or `{{req.query.hours|24}}`, anywhere in a query; a `msg.` prefix is allowed. */
const PLACEHOLDER = /\{\{\s*(?:msg\.)?([^}|]+?)\s*(?:\|([^}]*))?\}\}/g;

export class QueryParamError extends Error {}

/**
 * InfluxQL literals: numbers and booleans as they are, strings (and dates,
 * as RFC 3339) in single quotes with `\` and `'` escaped, so a value can
 * never end the literal and become part of the statement.
 */
export function influxqlLiteral(value: unknown, name: string): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new QueryParamError(`${name} is ${value}, not a finite number`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (value instanceof Date) return influxqlLiteral(value.toISOString(), name);
  if (typeof value === "string") {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}'`;
  }
  throw notAValue(value, name);
}

/** Flux literals through the client library (strings quoted, `"` `\` and `${` escaped). */
export function fluxLiteral(value: unknown, name: string): string {
  if (typeof value === "number" && !Number.isFinite(value)) throw new QueryParamError(`${name} is ${value}, not a finite number`);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "string" || value instanceof Date) return toFluxValue(value);
  throw notAValue(value, name);
}

function notAValue(value: unknown, name: string): QueryParamError {
  const kind = Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`;
  return new QueryParamError(`${name} is ${kind}; only numbers, booleans, strings and dates can be query values`);
}

/**
 * A default after `|` is text in the flow file; read it as a number or a
 * boolean when it spells one, so `{{req.query.hours|24}}h` stays a duration.
 */
function defaultValue(text: string): unknown {
  const t = text.trim();
  if (t === "true" || t === "false") return t === "true";
  if (t !== "" && Number.isFinite(Number(t))) return Number(t);
  return text;
}

/** Fills every placeholder with a literal of the message's value; one pass, so values are never read as placeholders. */
export function fillQuery(query: string, msg: Message, literal: (value: unknown, name: string) => string): string {
  return query.replace(PLACEHOLDER, (_all, path: string, fallback: string | undefined) => {
    const found = getPath(msg, path);
    if (found === undefined || found === null || found === "") {
      if (fallback === undefined) throw new QueryParamError(`${path} is missing from the message and {{${path}}} has no default`);
      return literal(defaultValue(fallback), path);
    }
    return literal(found, path);
  });
}
