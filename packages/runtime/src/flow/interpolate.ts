import type { FlowIssue } from "./types.js";

/**
 * `${NAME}` and `${NAME:-default}` in config strings read the environment,
 * then the flow's `env` defaults. `$${` is a literal `${`.
 */
const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationContext {
  env: Record<string, string | undefined>;
  defaults: Record<string, string>;
  issue(pointer: string, message: string): void;
}

export function lookupEnv(name: string, ctx: Pick<InterpolationContext, "env" | "defaults">): string | undefined {
  return ctx.env[name] ?? ctx.defaults[name];
}

export function interpolateString(value: string, pointer: string, ctx: InterpolationContext): string {
  if (!value.includes("${")) return value;
  return value.replace(PATTERN, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === "$${") return "${";
    const found = lookupEnv(name!, ctx);
    if (found !== undefined) return found;
    if (fallback !== undefined) return fallback;
    ctx.issue(pointer, `environment variable ${name} is not set and the flow's env gives no default`);
    return "";
  });
}

/** A copy of `value` with every string interpolated; issues are reported with their JSON pointer. */
export function interpolateDeep(value: unknown, pointer: string, ctx: InterpolationContext): unknown {
  if (typeof value === "string") return interpolateString(value, pointer, ctx);
  if (Array.isArray(value)) return value.map((v, i) => interpolateDeep(v, `${pointer}/${i}`, ctx));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateDeep(v, `${pointer}/${escapePointer(k)}`, ctx);
    return out;
  }
  return value;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

export type { FlowIssue };
