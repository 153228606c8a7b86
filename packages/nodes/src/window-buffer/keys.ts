import { getPath, parsePath, type Message, type PathSegment } from "@wattflow/runtime";

/** One part of a buffer's key: a name (the query parameter) and where its value is in a message. */
export interface KeyField {
  name: string;
  path: PathSegment[];
}

export type KeyFieldConfig = string | { name: string; path: string };

/** Reserved in queries for the whole joined key, so no field may be called this. */
export const JOINED_KEY = "key";

/** `payload.sensor_id` alone is named `sensor_id`; a path ending in an index needs a name. */
export function keyFields(config: readonly KeyFieldConfig[]): KeyField[] {
  const fields = config.map((f, i): KeyField => {
    const pathText = typeof f === "string" ? f : f.path;
    const path = parsePath(pathText);
    const last = path[path.length - 1];
    const name = typeof f === "string" ? last : f.name;
    if (typeof name !== "string" || name === "") throw new Error(`config.key[${i}]: "${pathText}" needs a name, e.g. { "name": "sensor", "path": "${pathText}" }`);
    if (name === JOINED_KEY) throw new Error(`config.key[${i}]: the name "${JOINED_KEY}" is reserved for the joined key in queries; choose another`);
    return { name, path };
  });
  const names = fields.map((f) => f.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`config.key: two fields are named "${twice}"; give them distinct names`);
  return fields;
}

/** `/` joins the parts, so a `/` (and the escape `%`) inside a value is percent-encoded. */
export const encodePart = (value: string): string => value.replace(/%/g, "%25").replace(/\//g, "%2F");

export const joinKey = (parts: readonly string[]): string => parts.map(encodePart).join("/");

export interface MessageKey {
  key: string;
  parts: string[];
}

/** The message's key; undefined when a field is missing or not a string, number or boolean. */
export function keyOf(msg: Message, fields: readonly KeyField[]): MessageKey | undefined {
  const parts: string[] = [];
  for (const f of fields) {
    const v = getPath(msg, f.path);
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return undefined;
    parts.push(String(v));
  }
  return { key: joinKey(parts), parts };
}
