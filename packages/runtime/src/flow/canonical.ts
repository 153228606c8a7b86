import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted, so equal documents hash equally whatever their key order. Revisions compare
 * these hashes across versions, so the text must never change: `undefined` properties are left out, other
 * values not representable in JSON read `null`, keys sort by UTF-16 code unit. Built by appending to one
 * string, without the per-level entry arrays and joins: it runs over every document at each start.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      // A hole stays empty, as it always has (a JSON-parsed document never has one).
      if (i in value) out += canonicalJson(value[i]);
    }
    return out + "]";
  }
  const object = value as Record<string, unknown>;
  let out = "{";
  for (const key of Object.keys(object).sort()) {
    const v = object[key];
    if (v === undefined) continue;
    if (out.length > 1) out += ",";
    out += JSON.stringify(key) + ":" + canonicalJson(v);
  }
  return out + "}";
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function hashDocument(doc: unknown): string {
  return sha256(canonicalJson(doc));
}
