import { handlerEntries, type Message } from "@wattflow/runtime";

type Copier = (msg: Message, value: unknown) => Message;

interface Shape {
  /** The message's own keys in order: one shared array per list of keys (`canonicalKeys`), so shapes compare by identity. */
  keys: readonly string[];
  copy: Copier;
}

/**
 * The message a copier built last, its keys, and `handlerEntries.entered` then. Nothing but the engine holds a
 * message a copier just built; a node gets hold of it only in its handler. So when the first handler entered
 * since is a change rule's, the message still has those keys and the rule need not read them again (a chain
 * of change nodes reads each message's keys once). It keeps the last copy alive until the next one: one message.
 */
interface Built {
  msg: object | null;
  keys: readonly string[] | null;
  at: number;
}
const built: Built = { msg: null, keys: null, at: 0 };

/** Lists of keys, one array per distinct list (bounded: past it, a list is its own array and only misses the shortcut). */
const canonical = new Map<string, readonly string[]>();
const MAX_CANONICAL = 1024;

function canonicalKeys(keys: readonly string[]): readonly string[] {
  const id = JSON.stringify(keys);
  const known = canonical.get(id);
  if (known) return known;
  if (canonical.size >= MAX_CANONICAL) return keys;
  canonical.set(id, keys);
  return keys;
}

/** Integer-like keys come first in an object's own key order whatever order they were set in. */
const isIndexLike = (k: string): boolean => /^(0|[1-9][0-9]*)$/.test(k);

/** Shapes one rule keeps copiers for; the messages a node sees mostly share one or two. */
const MAX_SHAPES = 4;
/** Shapes one rule generates copiers for in all: past that its input keeps changing shape, and the general copy is cheaper. */
const MAX_GENERATED = 16;
/** Messages with more top-level properties take the general copy (a literal that large gains nothing). */
const MAX_KEYS = 32;

/** The general copy: own enumerable properties into a new object, then `key`. */
function copyGeneral(msg: Message, key: string, value: unknown): Message {
  // Spread when a parsed "__proto__" key is present: assigning it would set the copy's prototype.
  const out = (Object.hasOwn(msg, "__proto__") ? { ...msg } : Object.assign({}, msg)) as Record<string, unknown>;
  // A rule setting "__proto__" sets a property of that name, as it would on parsed JSON, not the copy's prototype.
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
  return out as Message;
}

/**
 * Builds `(msg, value) => ({ k1: msg.k1, …, key: value })` for messages with exactly `keys`, in that order.
 * The copy is noted as `built` with its keys, unless an integer-like key makes its key order differ from the literal's.
 */
function generateCopier(keys: readonly string[], key: string): Copier {
  const fields = keys.map((k) => (k === key ? `${JSON.stringify(k)}: value` : `${JSON.stringify(k)}: msg[${JSON.stringify(k)}]`));
  if (!keys.includes(key)) fields.push(`${JSON.stringify(key)}: value`);
  const outKeys = keys.includes(key) ? keys : [...keys, key];
  if (outKeys.some(isIndexLike)) return new Function("msg", "value", `return { ${fields.join(", ")} };`) as Copier;
  const body = `"use strict"; return (msg, value) => {
    const out = { ${fields.join(", ")} };
    built.msg = out;
    built.keys = outKeys;
    built.at = runs.entered;
    return out;
  };`;
  return new Function("built", "outKeys", "runs", body)(built, canonicalKeys(outKeys), handlerEntries) as Copier;
}

/**
 * A change rule's hot path: a copy of the message with one top-level property set. An object literal of
 * known keys is several times cheaper to build than a generic copy, so the rule generates one per shape
 * of message it sees (a shape: the message's own keys in order), checks each message's keys against the
 * shapes it knows, and falls back to the general copy for anything else (inherited enumerable keys, a
 * "__proto__" key, many keys, or input whose shape keeps changing). Either way the result is what
 * copying the own enumerable properties into a new plain object and then setting `key` gives.
 */
export function setTopLevel(key: string, value: unknown): (msg: Message) => Message {
  const shapes: Shape[] = [];
  let generated = 0;

  const learn = (keys: string[]): Shape | null => {
    if (key === "__proto__" || generated >= MAX_GENERATED || keys.includes("__proto__")) return null;
    generated += 1;
    const shape = { keys: canonicalKeys(keys), copy: generateCopier(keys, key) };
    if (shapes.length >= MAX_SHAPES) shapes.pop();
    shapes.unshift(shape);
    return shape;
  };

  /** `recent`: the shape the last message had, checked first while the keys are read. */
  const state: { recent: Shape | null } = { recent: null };

  const another = (msg: Message): Message => {
    const keys: string[] = [];
    for (const k in msg) {
      // for-in also lists inherited keys: a shape is the message's own keys only (inherited ones are not copied).
      if (keys.length === MAX_KEYS || !Object.hasOwn(msg, k)) return copyGeneral(msg, key, value);
      keys.push(k);
    }
    const known = shapes.find((s) => s.keys.length === keys.length && s.keys.every((k, i) => k === keys[i]));
    const shape = known ?? learn(keys);
    if (shape === null) return copyGeneral(msg, key, value);
    state.recent = shape;
    return shape.copy(msg, value);
  };

  return hotPath(state, value, another, built, handlerEntries);
}

let hotPaths = 0;

/**
 * The per-message check, compiled anew for every rule (the numbered comment keeps the compilation from
 * being shared): each rule's check then learns only the shapes its own input has, which keeps it
 * monomorphic, where one shared closure would see every change node's shapes and slow down for all.
 * A message matches when its for-in keys are the shape's and each is its own (an inherited one would
 * become an own property of the copy); the own-key test on a for-in key costs next to nothing once optimized.
 * A message a copier just built (`built`), with this handler the first entered since, matches without reading
 * its keys: they are the ones it was built with (reading them costs more than the copy). `handlerEntries` is
 * read as a field, not through a call, and the generated code is strict (a call to it converts no receiver).
 */
function hotPath(
  state: { recent: Shape | null },
  value: unknown,
  another: (msg: Message) => Message,
  built: Built,
  runs: { readonly entered: number },
): (msg: Message) => Message {
  hotPaths += 1;
  const source = `"use strict"; /* set-top-level ${hotPaths} */
    return (msg) => {
      const shape = state.recent;
      if (shape !== null) {
        const keys = shape.keys;
        if (msg === built.msg && keys === built.keys && runs.entered - built.at === 1) return shape.copy(msg, value);
        let i = 0;
        for (const k in msg) {
          if (keys[i] !== k || !Object.prototype.hasOwnProperty.call(msg, k)) return another(msg);
          i++;
        }
        if (i === keys.length) return shape.copy(msg, value);
      }
      return another(msg);
    };`;
  return new Function("state", "value", "another", "built", "runs", source)(state, value, another, built, runs) as (msg: Message) => Message;
}
