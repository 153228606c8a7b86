import type { TopicPattern } from "./topic.js";

/** Which messages a runtime of a partitioned set handles: part `index` (1-based) of `count`, by a device key. */
export interface Partition {
  index: number;
  count: number;
  /** The key a message is placed by: a named topic level, or the whole topic. */
  keyOf(topic: string, params: Record<string, string>): string;
  /** Whether a message with this key belongs to this runtime. */
  owns(key: string): boolean;
}

/**
 * Reads `partition` ("K/N", empty for none) and `partitionKey` (a `{name}` of the topic; default its
 * first one, else the whole topic). A device's messages always hash to the same part, so the runtime
 * handling that part sees all of them, in order.
 */
export function parsePartition(spec: string | undefined, keyName: string | undefined, pattern: TopicPattern): Partition | null {
  if (!spec) return null;
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  if (!m) throw new Error(`partition "${spec}": write K/N, e.g. 2/3 for the second of three runtimes`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new Error(`partition "${spec}": K must be between 1 and N`);
  const names = [...pattern.names.values()];
  if (keyName !== undefined && keyName !== "" && !names.includes(keyName)) {
    throw new Error(`partitionKey "${keyName}" is not a {name} level of the topic${names.length ? ` (it has ${names.map((n) => `{${n}}`).join(", ")})` : ""}`);
  }
  const key = keyName || names[0];
  return {
    index,
    count,
    keyOf: (topic, params) => (key !== undefined ? (params[key] ?? topic) : topic),
    owns: (k) => hash(k) % count === index - 1,
  };
}

/** 32-bit FNV-1a: stable across runtimes and versions, which is all placement needs. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
