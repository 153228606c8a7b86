import { JOINED_KEY, joinKey, type KeyField } from "./keys.js";

/** A query naming what it wants in a way that cannot be answered (a caller's mistake, not the node's). */
export class QueryError extends Error {
  override name = "QueryError";
}

/** What a query asks for: one key's readings, or every key matching some field values. */
export type Selection = { kind: "one"; key: string } | { kind: "many"; match: (parts: readonly string[]) => boolean };

/**
 * Reads `{ key }`, or field values by name (`{ sensor_type: "ldr", sensor_id: "ldr_1" }`).
 * Every field given: one key. Some: the keys matching them. None: every key.
 */
export function selection(query: Record<string, unknown>, fields: readonly KeyField[], where: string): Selection {
  if (fields.length === 0) return { kind: "one", key: "" };
  const wanted: (string | undefined)[] = new Array<string | undefined>(fields.length).fill(undefined);
  let given = 0;
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const value = scalar(raw, `${where}.${name}`);
    if (name === JOINED_KEY) return { kind: "one", key: value };
    const index = fields.findIndex((f) => f.name === name);
    if (index === -1) throw new QueryError(`${where} has unknown field "${name}" (known: ${[JOINED_KEY, ...fields.map((f) => f.name)].join(", ")})`);
    wanted[index] = value;
    given += 1;
  }
  if (given === fields.length) return { kind: "one", key: joinKey(wanted as string[]) };
  return { kind: "many", match: (parts) => wanted.every((w, i) => w === undefined || w === parts[i]) };
}

function scalar(value: unknown, where: string): string {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  throw new QueryError(`${where} must be one string, number or boolean (got ${Array.isArray(value) ? "several values" : typeof value})`);
}
