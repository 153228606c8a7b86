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
/** Ids count in blocks of TAIL_COUNT: the block's part is converted once per block, the tail read from a table. */
const TAIL_COUNT = 36 * 36;
let tails: string[] | null = null;
let tail = TAIL_COUNT;
let block = 0;
let blockPrefix = "";

/** Process-unique, cheap message ids: a random prefix and a counter (a number's conversion to text costs more than the rest of an id). */
export function newMessageId(): string {
  if (tail === TAIL_COUNT) {
    tails ??= Array.from({ length: TAIL_COUNT }, (_, i) => i.toString(36).padStart(2, "0"));
    tail = 0;
    block += 1;
    blockPrefix = `${idPrefix}${block.toString(36)}.`;
  }
  return blockPrefix + tails![tail++]!;
}

export function createMessage(init: MessageInit): Message {
  if (typeof init._msgid === "string") return init as Message;
  // Object.assign, not spread: several times faster on this hot path. Spread only when a
  // "__proto__" own key (from parsed JSON) would otherwise become the copy's prototype.
  const msg = Object.hasOwn(init, "__proto__") ? { ...init } : Object.assign({}, init);
  msg._msgid = newMessageId();
  return msg as Message;
}

const isFreezable = (value: unknown): value is object =>
  value !== null && typeof value === "object" && !Object.isFrozen(value) && !ArrayBuffer.isView(value); // typed arrays and Buffers cannot be frozen

/**
 * Freezes a message and everything reachable from it so a node that mutates
 * its input fails loudly. Only done in development and test: it costs time.
 * Walks with an explicit stack, so a payload nested any number of levels
 * deep cannot overflow the call stack.
 */
export function deepFreeze<T>(value: T): T {
  if (!isFreezable(value)) return value;
  Object.freeze(value);
  const pending: object[] = [value];
  while (pending.length > 0) {
    const obj = pending.pop()!;
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const child: unknown = obj[i];
        if (isFreezable(child)) {
          Object.freeze(child);
          pending.push(child);
        }
      }
    } else {
      const keys = Object.keys(obj);
      for (let i = 0; i < keys.length; i++) {
        const child: unknown = (obj as Record<string, unknown>)[keys[i]!];
        if (isFreezable(child)) {
          Object.freeze(child);
          pending.push(child);
        }
      }
    }
  }
  return value;
}

/** Whether the engine freezes messages: on unless NODE_ENV is production. */
export function freezeByDefault(): boolean {
  const flag = process.env.WATTFLOW_FREEZE_MESSAGES;
  if (flag === "1" || flag === "true") return true;
  if (flag === "0" || flag === "false") return false;
  return process.env.NODE_ENV !== "production";
}
