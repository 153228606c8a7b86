import type { ErrorObject } from "ajv";

/** One reason a value failed its schema: where (a JSON pointer into the value) and what, in words. */
export interface ValidationIssue {
  path: string;
  message: string;
}

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
    default:
      return { path: e.instancePath, message: e.message ?? `fails "${e.keyword}"` };
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
