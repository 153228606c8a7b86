import { randomUUID } from "node:crypto";
import type { Message } from "@wattflow/runtime";

/** Where a message sits in a sequence (`split`, `batch`), as `join` and `sort` read it. */
export interface Parts {
  id: string;
  type?: "array" | "object" | "string";
  index: number;
  count?: number;
  /** objects: the key this part came from. */
  key?: string;
  /** strings: the delimiter to join with. */
  ch?: string;
  /** arrays split in groups: the group length. */
  len?: number;
  /** An enclosing sequence (a split of a split). */
  parts?: unknown;
}

export function newSequenceId(): string {
  return randomUUID();
}

/** The message's parts when they are well formed, else undefined. */
export function partsOf(msg: Message): Parts | undefined {
  const p = msg.parts as Partial<Parts> | undefined;
  if (p === null || typeof p !== "object" || typeof p.id !== "string" || typeof p.index !== "number") return undefined;
  return p as Parts;
}

/** The fields of `msg` with `changes` on top, minus its `_msgid`, for a new message built from it. */
export function derive(msg: Message, changes: Record<string, unknown>): Record<string, unknown> {
  const { _msgid: _omit, ...rest } = msg;
  return { ...rest, ...changes };
}
