import type { ErrorObject } from "ajv";

/** One reason a value failed its schema: where (a JSON pointer into the value) and what, in words. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** A schema's own words for what is wrong with a value it rejects: `{ "type": "number", "x-message": "must be a number" }`. */
export const MESSAGE_KEYWORD = "x-message";

const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

const MAX_LISTED = 10;

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, MAX_LISTED).map((v) => JSON.stringify(v)).join(", ");
  return values.length > MAX_LISTED ? `${shown}, … (${values.length} values)` : shown;
}

/**
 * Ajv's own words, but pointing at the property itself ("/value is required"
 * rather than "must have required property 'value'" at the parent) and listing
 * the values an enum allows.
 */
function describe(e: ErrorObject): ValidationIssue {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
    case "dependentRequired":
    case "dependencies":
      return { path: `${e.instancePath}/${escapePointer(String(params.missingProperty))}`, message: "is required" };
    case "additionalProperties":
      return { path: `${e.instancePath}/${escapePointer(String(params.additionalProperty))}`, message: "is not allowed" };
    case "unevaluatedProperties":
      return { path: `${e.instancePath}/${escapePointer(String(params.unevaluatedProperty))}`, message: "is not allowed" };
    case "enum":
      return { path: e.instancePath, message: `must be one of ${listValues(params.allowedValues as unknown[])}` };
    case "const":
      return { path: e.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default: {
      const custom = (e.parentSchema as Record<string, unknown> | undefined)?.[MESSAGE_KEYWORD];
      return { path: e.instancePath, message: typeof custom === "string" ? custom : (e.message ?? `fails "${e.keyword}"`) };
    }
  }
}

/**
 * Readable issues, each message starting with its path (`/value must be
 * number`); the value's root is called `rootName` (`payload must be object`).
 * With `firstPerPath`, only the first issue at each path is kept: ajv explains
 * an `anyOf` once per branch, which helps little when fixing a schema.
 */
export function describeErrors(errors: readonly ErrorObject[], rootName: string, firstPerPath = false): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const issue = describe(e);
    const key = firstPerPath ? issue.path : `${issue.path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: issue.path, message: `${issue.path || rootName} ${issue.message}` });
  }
  return out;
}

/** The issues without the path repeated in the message (`{ path: "/pv_voltage", message: "must be number" }`), once each. */
export function plainIssues(errors: readonly ErrorObject[]): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const issue = describe(e);
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}

/** A field name as an API's clients know it: `pv_voltage`, `battery.soc`; the value itself is `non_field_errors`. */
const fieldOf = (path: string): string =>
  path === "" ? "non_field_errors" : path.slice(1).split("/").map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~")).join(".");

/** A 400 answer body listing every problem as one line: `{ error, details: ["pv_array.voltage must be a number", "body must be a JSON object"] }`. */
export function detailsAnswer(issues: readonly ValidationIssue[], error: string): { error: string; details: string[] } {
  return { error, details: issues.map((i) => `${i.path === "" ? "body" : fieldOf(i.path)} ${i.message}`) };
}

/** A 400 answer body with the problems in one sentence, as the query nodes answer: `{ error, message: "months must be …; days must be …" }`. */
export function messageAnswer(issues: readonly ValidationIssue[], error: string): { error: string; message: string } {
  return { error, message: detailsAnswer(issues, error).details.join("; ") };
}

/** A 400 answer body in the common REST shape: `{ detail: "pv_voltage: must be number", errors: { pv_voltage: ["must be number"] } }`. */
export function drfAnswer(issues: readonly ValidationIssue[]): { detail: string; errors: Record<string, string[]> } {
  // No prototype: a field named "constructor" or "toString" is a key like any other.
  const errors: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const issue of issues) (errors[fieldOf(issue.path)] ??= []).push(issue.message);
  const first = issues[0];
  return { detail: first ? `${fieldOf(first.path)}: ${first.message}` : "invalid", errors };
}
