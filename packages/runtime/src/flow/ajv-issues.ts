import type { ErrorObject } from "ajv";

/** Turns ajv errors into messages that say what was expected, at the pointer where it went wrong. */
export function describeAjvErrors(errors: readonly ErrorObject[], data: unknown): { pointer: string; message: string }[] {
  // An anyOf failure is reported once, as its own summary, not as one error per branch.
  const anyOfPaths = errors.filter((e) => e.keyword === "anyOf").map((e) => ({ instancePath: e.instancePath, schemaPath: e.schemaPath.replace(/\/anyOf$/, "/anyOf/") }));
  const out: { pointer: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== "anyOf" && anyOfPaths.some((a) => e.schemaPath.startsWith(a.schemaPath) && e.instancePath.startsWith(a.instancePath))) continue;
    const item = describe(e, data);
    const key = `${item.pointer} ${item.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describe(e: ErrorObject, data: unknown): { pointer: string; message: string } {
  const got = valueAt(data, e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { pointer: `${e.instancePath}/${String(params.missingProperty)}`, message: "is required" };
    case "additionalProperties":
      return { pointer: `${e.instancePath}/${String(params.additionalProperty)}`, message: `is not a known property here` };
    case "const":
      return { pointer: e.instancePath, message: `must be ${shown(params.allowedValue)} (got ${shown(got)})` };
    case "enum":
      return { pointer: e.instancePath, message: `must be one of ${(params.allowedValues as unknown[]).map(shown).join(", ")} (got ${shown(got)})` };
    case "anyOf": {
      const branches = (e.schema as { const?: unknown }[] | undefined) ?? [];
      if (branches.length > 0 && branches.every((b) => b && "const" in b)) {
        return { pointer: e.instancePath, message: `must be one of ${branches.map((b) => shown(b.const)).join(", ")} (got ${shown(got)})` };
      }
      return { pointer: e.instancePath, message: `does not match any allowed shape (got ${shown(got)})` };
    }
    case "pattern":
      return { pointer: e.instancePath, message: `must match ${String(params.pattern)} (got ${shown(got)})` };
    case "minLength":
      // "must NOT have fewer than 1 characters" is ajv's way of saying this.
      if (params.limit === 1) return { pointer: e.instancePath, message: `must not be empty (got ${shown(got)})` };
      return { pointer: e.instancePath, message: `${e.message ?? "is too short"} (got ${shown(got)})` };
    case "type":
      return { pointer: e.instancePath, message: `must be ${String(params.type)} (got ${shown(got)})` };
    default:
      return { pointer: e.instancePath, message: `${e.message ?? "is invalid"} (got ${shown(got)})` };
  }
}
