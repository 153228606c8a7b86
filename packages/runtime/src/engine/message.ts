/**
 * Messages are plain objects, immutable once sent. A node that changes a
 * message sends a new object; fan-out shares one object and never clones.
 */
export interface Message {
  readonly _msgid: string;
  readonly topic?: string;
  readonly payload?: unknown;
  readonly [key: string]: unknown;
}

/** What a node passes to `node.newMessage` or spreads into a new message. */
export type MessageInit = { _msgid?: string; topic?: string; payload?: unknown; [key: string]: unknown };

const idPrefix = Math.floor(Math.random() * 0xffffffff).toString(36) + ".";
let idCounter = 0;

/** Process-unique, cheap message ids: a random prefix and a counter. */
export function newMessageId(): string {
  idCounter += 1;
  return idPrefix + idCounter.toString(36);
}

export function createMessage(init: MessageInit): Message {
  if (typeof init._msgid === "string") return init as Message;
  // Object.assign, not spread: several times faster on this hot path.
  const msg = Object.assign({}, init);
  msg._msgid = newMessageId();
  return msg as Message;
}

/**
 * Freezes a message and everything reachable from it so a node that mutates
 * its input fails loudly. Only done in development and test: it costs time.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value)) return value; // typed arrays and Buffers cannot be frozen
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

/** Whether the engine freezes messages: on unless NODE_ENV is production. */
export function freezeByDefault(): boolean {
  const flag = process.env.WATTFLOW_FREEZE_MESSAGES;
  if (flag === "1" || flag === "true") return true;
  if (flag === "0" || flag === "false") return false;
  return process.env.NODE_ENV !== "production";
}
