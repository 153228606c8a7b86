/**
 * `$distinct` in linear time. JSONata's own compares each value with every one kept so far (quadratic), in
 * one evaluation step that no time limit can stop: the ids of 40,000 readings held the event loop for 4 s.
 * This keeps what it kept by a canonical key instead, with the same answer: values equal as JSONata's deep
 * equality has them (`===` for anything else than arrays and objects, so NaN equals nothing; objects whatever
 * their key order, arrays in order, `1` apart from `"1"`), first one kept, and a sequence in gives a sequence
 * out (so a single result is unwrapped as JSONata unwraps it).
 */
export function distinct(values: unknown): unknown {
  if (values === undefined) return undefined;
  if (!Array.isArray(values) || values.length <= 1) return values;
  const kept: unknown[] = [];
  if ((values as { sequence?: unknown }).sequence === true) Object.assign(kept, { sequence: true });
  const seen = new Set<string>();
  const keys = new Keys();
  for (const value of values) {
    const key = keys.of(value);
    // Something equal only to itself (NaN never, as `===` has it): compared as JSONata compares it.
    if (key === undefined) {
      if (!kept.some((k) => k === value)) kept.push(value);
    } else if (!seen.has(key)) {
      seen.add(key);
      kept.push(value);
    }
  }
  return kept;
}

/**
 * Canonical keys: the same text for deeply equal values and different texts otherwise. What JSON cannot write
 * gets a token of its own (JSON text never starts with "#"); a function, equal only to itself, a token per
 * function. Undefined for what deep equality finds equal only to the very same value (NaN, or an array or
 * object holding NaN).
 */
class Keys {
  private readonly functions = new Map<unknown, string>();

  of(value: unknown): string | undefined {
    switch (typeof value) {
      case "string":
        return JSON.stringify(value);
      case "number":
        // -0 equals 0 as `===` has it; JSON writes both as 0.
        if (Number.isNaN(value)) return undefined;
        return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? "#Infinity" : "#-Infinity";
      case "boolean":
        return value ? "true" : "false";
      case "undefined":
        return "#undefined";
      case "function": {
        let key = this.functions.get(value);
        if (key === undefined) this.functions.set(value, (key = `#f${this.functions.size}`));
        return key;
      }
      case "object": {
        if (value === null) return "null";
        if (Array.isArray(value)) {
          const items: string[] = [];
          for (let i = 0; i < value.length; i++) {
            const key = this.of(value[i]);
            if (key === undefined) return undefined;
            items.push(key);
          }
          return `[${items.join(",")}]`;
        }
        const fields: string[] = [];
        for (const name of Object.getOwnPropertyNames(value).sort()) {
          const key = this.of((value as Record<string, unknown>)[name]);
          if (key === undefined) return undefined;
          fields.push(`${JSON.stringify(name)}:${key}`);
        }
        return `{${fields.join(",")}}`;
      }
      default:
        // Symbols and bigints: equal only to themselves, as `===` has them.
        return undefined;
    }
  }
}
