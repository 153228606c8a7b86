import type { FlowIssue } from "./types.js";

/**
 * `${NAME}` and `${NAME:-default}` in config strings read the environment,
 * then the flow's `env` defaults. `$${` is a literal `${`.
 *
 * The result is always a string, even when the whole value is one reference
 * to `"60"`: the config schema is validated with type coercion, so a number
 * field still gets 60 while a string field keeps "60". Guessing types here
 * would turn a string field's "007" into 7.
 */
const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationContext {
  env: Record<string, string | undefined>;
  defaults: Record<string, string>;
  issue(pointer: string, message: string): void;
  /** Told when a value came from `env` (not from a default written in the flow): the result may hold a secret. */
  fromEnvironment?(name: string): void;
}

/** One `${NAME}` or `${NAME:-default}` found in a string (escaped `$${` excluded). */
export interface EnvReference {
  name: string;
  fallback: string | undefined;
}

// Own properties only: `${constructor}` must not find Object.prototype.constructor in a parsed JSON object.
const own = (record: Record<string, string | undefined>, name: string): string | undefined =>
  Object.hasOwn(record, name) && typeof record[name] === "string" ? record[name] : undefined;

export function lookupEnv(name: string, ctx: Pick<InterpolationContext, "env" | "defaults">): string | undefined {
  return own(ctx.env, name) ?? own(ctx.defaults, name);
}

/** The references a string makes, in order. */
export function envReferences(value: string): EnvReference[] {
  const out: EnvReference[] = [];
  for (const m of value.matchAll(PATTERN)) if (m[1] !== undefined) out.push({ name: m[1], fallback: m[2] });
  return out;
}

export function interpolateString(value: string, pointer: string, ctx: InterpolationContext): string {
  if (!value.includes("${")) return value;
  return value.replace(PATTERN, (whole: string, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return "${"; // the `$${` escape
    const found = lookupEnv(name, ctx);
    // As in the shell, `:-` also replaces a variable that is set but empty.
    if (fallback !== undefined && (found === undefined || found === "")) return fallback;
    if (found !== undefined) {
      if (ctx.fromEnvironment && own(ctx.env, name) !== undefined) ctx.fromEnvironment(name);
      return found;
    }
    ctx.issue(pointer, `environment variable ${name} is not set and the flow's env gives no default (write \${${name}:-value} for one)`);
    return whole;
  });
}

/** A copy of `value` with every string interpolated; issues are reported with their JSON pointer. */
export function interpolateDeep(value: unknown, pointer: string, ctx: InterpolationContext): unknown {
  return interpolateAt(value, { parent: null, segment: pointer }, ctx);
}

/**
 * Where a value sits, as a chain of segments: configs are walked at every deploy, and the pointer is only
 * needed for a string with a reference in it, so it is joined only then.
 */
interface Place {
  parent: Place | null;
  /** The escaped segment; the root's is the pointer given to interpolateDeep. */
  segment: string;
}

function pointerOf(place: Place): string {
  let out = place.segment;
  for (let p = place.parent; p; p = p.parent) out = `${p.segment}/${out}`;
  return out;
}

function interpolateAt(value: unknown, place: Place, ctx: InterpolationContext): unknown {
  if (typeof value === "string") return value.includes("${") ? interpolateString(value, pointerOf(place), ctx) : value;
  if (Array.isArray(value)) return value.map((v, i) => interpolateAt(v, { parent: place, segment: String(i) }, ctx));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const copy = interpolateAt(v, { parent: place, segment: escapePointer(k) }, ctx);
      // defineProperty for "__proto__": JSON.parse makes it an own key, and `out.__proto__ = v` would set the prototype.
      if (k === "__proto__") Object.defineProperty(out, k, { value: copy, enumerable: true, writable: true, configurable: true });
      else out[k] = copy;
    }
    return out;
  }
  return value;
}

/** One JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  if (!segment.includes("~") && !segment.includes("/")) return segment;
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

export type { FlowIssue };
