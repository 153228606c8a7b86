/**
 * `$distinct` in linear time. JSONata's own compares each value with every one kept so far (quadratic), in
 * one evaluation step that no time limit can stop: the ids of 40,000 readings held the event loop for 4 s.
 * This keeps what it kept by a canonical key instead, with the same answer: values equal as JSONata's deep
 * equality has them (objects whatever their key order, arrays in order, `1` apart from `"1"`), first one kept,
 * and a sequence in gives a sequence out (so a single result is unwrapped as JSONata unwraps it).
 */
export function distinct(values: unknown): unknown {
  if (values === undefined) return undefined;
  if (!Array.isArray(values) || values.length <= 1) return values;
  const kept: unknown[] = [];
  if ((values as { sequence?: unknown }).sequence === true) Object.assign(kept, { sequence: true });
  const seen = new Set<string>();
  for (const value of values) {
    const key = canonical(value);
    // A value with a function inside: equal only to itself, as deep equality has it.
    if (key === undefined) {
      if (!kept.includes(value)) kept.push(value);
    } else if (!seen.has(key)) {
      seen.add(key);
      kept.push(value);
    }
  }
  return kept;
}

/** A text equal for deeply equal JSON values and different otherwise; undefined for what JSON cannot hold. */
function canonical(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      // -0 equals 0 as JSONata compares (===); JSON writes both as 0.
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (const item of value) {
          const key = canonical(item);
          if (key === undefined) return undefined;
          items.push(key);
        }
        return `[${items.join(",")}]`;
      }
      const fields: string[] = [];
      for (const name of Object.getOwnPropertyNames(value).sort()) {
        const key = canonical((value as Record<string, unknown>)[name]);
        if (key === undefined) return undefined;
        fields.push(`${JSON.stringify(name)}:${key}`);
      }
      return `{${fields.join(",")}}`;
    }
    default:
      return undefined;
  }
}
