import { Point } from "@influxdata/influxdb-client";
import { getPath, parsePath, type Message } from "@wattflow/runtime";
import { isPlainDottedPath, timeOf } from "../shared/flatten.js";

export type FieldValue = number | boolean | string;

/**
 * Numbers, booleans and strings under a value as dotted names:
 * `{temperature: {inlet: 41.5}, mode: "heat"}` → `{"temperature.inlet": 41.5, mode: "heat"}`.
 * Arrays, nulls and non-finite numbers are left out: line protocol has no place for them.
 */
export function fieldLeaves(value: unknown, prefix = "", out: Record<string, FieldValue> = {}): Record<string, FieldValue> {
  if (typeof value === "number") {
    if (Number.isFinite(value)) out[prefix] = value;
  } else if (typeof value === "boolean" || typeof value === "string") {
    out[prefix] = value;
  } else if (value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) fieldLeaves(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

export interface PointMapping {
  /** A measurement name, or `{{path}}` / `{{path|default}}` to read it from the message. */
  measurement: string;
  /** Message path of the value whose leaves are the fields (`msg` for the whole message). */
  property: string;
  /** Only these dotted field names; empty: every leaf. */
  fields: readonly string[];
  /** Tag name → message path. */
  tags: Readonly<Record<string, string>>;
  /** Message path of the time (ms or ISO string); now when missing. */
  time: string;
}

const TEMPLATE = /^\{\{\s*(?:msg\.)?([^}|]+?)\s*(?:\|([^}]*))?\}\}$/;

/** A message the mapping cannot turn into a point: the reason names the field, tag or path. */
export class MappingError extends Error {}

/** Builds the mapping once per node; `toLine` then turns each message into one line of line protocol. */
export function pointMapper(m: PointMapping): (msg: Message, now?: number) => string {
  const only = m.fields.length > 0 ? new Set(m.fields) : null;
  // A mistyped path is a configuration error: say so when the node starts, not on every message.
  for (const path of [m.property, m.time, ...Object.values(m.tags)]) {
    const p = path.replace(/^msg\./, "");
    if (p !== "" && p !== "msg") parsePath(p);
  }
  const template = TEMPLATE.exec(m.measurement);
  const rootPath = m.property === "msg" ? "" : m.property.replace(/^msg\./, "");
  // A leaf that already serves as a tag or the time should not come back as a field too.
  const usedElsewhere = new Set<string>();
  const timePath = m.time.replace(/^msg\./, "");
  for (const path of [...Object.values(m.tags), timePath]) {
    if (!path) continue;
    const p = path.replace(/^msg\./, "");
    if (rootPath === "") usedElsewhere.add(p);
    else if (p.startsWith(`${rootPath}.`)) usedElsewhere.add(p.slice(rootPath.length + 1));
  }

  const tagPaths = Object.entries(m.tags).map(([tag, path]) => [tag, path.replace(/^msg\./, "")] as const);
  // Plain dotted field names are read in place instead of flattening the whole value to pick them out.
  const readInPlace = only !== null && m.fields.every(isPlainDottedPath);

  return (msg, now = Date.now()) => {
    const measurement = template ? stringAt(msg, template[1]!, template[2]) : m.measurement;
    if (!measurement) throw new MappingError(`no measurement: ${template![1]} is empty or missing`);
    checkName("measurement", measurement);
    const point = new Point(measurement);

    for (const [tag, path] of tagPaths) {
      const v = getPath(msg, path);
      if (v === undefined || v === null || v === "") continue; // InfluxDB has no empty tag values: the tag is left out.
      if (typeof v === "object") throw new MappingError(`tag ${tag}: ${path} is an object, not a value`);
      checkName(`tag ${tag}`, tag);
      checkName(`tag ${tag} value`, String(v));
      point.tag(tag, String(v));
    }

    const root = rootPath === "" ? msg : getPath(msg, rootPath);
    let count = 0;
    const add = (name: string, value: FieldValue): void => {
      checkName(`field ${name}`, name);
      // Every number is a float: InfluxDB fixes a field's type at its first write, and a reading
      // that is 20 now and 20.5 later would otherwise be refused as a type conflict.
      if (typeof value === "number") point.floatField(name, value);
      else if (typeof value === "boolean") point.booleanField(name, value);
      else point.stringField(name, value);
      count += 1;
    };
    if (readInPlace && typeof root === "object" && root !== null) {
      for (const name of m.fields) {
        const value = getPath(root, name);
        if (typeof value === "boolean" || typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) add(name, value);
      }
    } else {
      const leaves = typeof root === "object" && root !== null ? fieldLeaves(root) : fieldLeaves(root, "value");
      for (const name in leaves) {
        if (only ? !only.has(name) : usedElsewhere.has(name) || (rootPath === "" && name.startsWith("_"))) continue;
        add(name, leaves[name]!);
      }
    }
    if (count === 0) throw new MappingError(`no fields: ${m.property} has no number, boolean or string${only ? ` among ${[...only].join(", ")}` : ""}`);

    point.timestamp(Math.round(timePath ? timeOf(getPath(msg, timePath), now) : now));
    return point.toLineProtocol()!;
  };
}

function stringAt(msg: Message, path: string, fallback: string | undefined): string {
  const v = getPath(msg, path);
  return v === undefined || v === null || v === "" ? (fallback ?? "") : String(v);
}

/** Line protocol escapes with backslashes, so a name ending in one would swallow the separator after it. */
function checkName(what: string, value: string): void {
  if (value.endsWith("\\")) throw new MappingError(`${what} "${value}" ends with a backslash, which line protocol cannot carry`);
  if (/[\n\r]/.test(value)) throw new MappingError(`${what} contains a line break, which line protocol cannot carry`);
}
