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

type Copy = (init: MessageInit, id: string) => Message;

/** Inits with more keys take the general copy (a literal that large gains nothing). */
const MAX_LITERAL_KEYS = 32;
/** Literals one factory generates in all: past that its node's inits keep changing keys, and the general copy is cheaper. */
const MAX_LITERALS = 8;

/**
 * `createMessage` for one node (its `newMessage`). A node mostly makes messages with the same keys, and
 * copying those into an object literal generated for them costs about half what the general copy does, a
 * good part of a source's work per message. The factory keeps a literal for the keys of the last init it
 * copied: an init whose for-in keys are exactly those, in order, and its own, takes it (a symbol key is
 * not seen, as by the change node's copy: messages are data); any other takes `createMessage` and teaches
 * the factory its keys. Either way the message has the init's properties and a new `_msgid`.
 */
export function messageFactory(): (init: MessageInit) => Message {
  let keys: readonly string[] = [];
  let copy: Copy | null = null;
  let generated = 0;
  return (init) => {
    if (typeof init._msgid === "string") return init as Message;
    if (copy !== null) {
      let i = 0;
      for (const k in init) {
        // for-in also lists inherited keys: those are not copied, so such an init is not of this shape.
        // (hasOwnProperty.call, not Object.hasOwn: the optimizer answers it from the for-in state.)
        if (keys[i] !== k || !Object.prototype.hasOwnProperty.call(init, k)) {
          i = -1;
          break;
        }
        i++;
      }
      if (i === keys.length) return copy(init, newMessageId());
    }
    if (generated < MAX_LITERALS) {
      const own = literalKeys(init);
      if (own !== null) {
        generated += 1;
        keys = own;
        copy = literalCopy(own);
      }
    }
    return createMessage(init);
  };
}

/** The init's keys when a literal can copy it: for-in lists its own string keys only, none is "__proto__", not too many, no symbols. */
function literalKeys(init: MessageInit): string[] | null {
  const own = Object.keys(init);
  if (own.length > MAX_LITERAL_KEYS || own.includes("__proto__") || Object.getOwnPropertySymbols(init).length > 0) return null;
  let i = 0;
  for (const k in init) if (own[i++] !== k) return null;
  return i === own.length ? own : null;
}

/** `(init, id) => ({ k1: init.k1, …, _msgid: id })`, `_msgid` where the init has one (not a string) or last. */
function literalCopy(keys: readonly string[]): Copy {
  const fields = keys.map((k) => (k === "_msgid" ? "_msgid: id" : `${JSON.stringify(k)}: init[${JSON.stringify(k)}]`));
  if (!keys.includes("_msgid")) fields.push("_msgid: id");
  return new Function("init", "id", `return { ${fields.join(", ")} };`) as Copy;
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
