import { describe, expect, it } from "vitest";
import type { Message } from "@wattflow/runtime";
import { setTopLevel } from "./set-top-level.js";

/** What the rule must return, by definition: a plain copy of the message's own properties, then `key` set. */
function expected(msg: Message, key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(msg)) Object.defineProperty(out, k, { value: msg[k], enumerable: true, writable: true, configurable: true });
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Same own keys in the same order, same values, a plain object, and the input untouched. */
function check(set: (msg: Message) => Message, msg: Message, key: string, value: unknown): void {
  const before = Object.keys(msg).map((k) => [k, msg[k]]);
  const out = set(msg);
  const want = expected(msg, key, value);
  expect(out).not.toBe(msg);
  expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  expect(Object.keys(out)).toEqual(Object.keys(want));
  for (const k of Object.keys(want)) expect(out[k]).toBe(want[k]);
  expect(Object.keys(msg).map((k) => [k, msg[k]])).toEqual(before);
}

describe("setTopLevel", () => {
  it("copies every shape it meets: repeated, alternating, the key already present (kept in its place), many shapes", () => {
    const set = setTopLevel("p", 1);
    const shapes: Message[] = [
      { _msgid: "a", payload: 1 },
      { _msgid: "b", payload: 2, topic: "t" },
      { _msgid: "c", p: 0, payload: 3 },
      { payload: 4, _msgid: "d" },
    ];
    // Alternating shapes, then 40 more distinct ones: past its copier budget the rule must stay right.
    for (let round = 0; round < 3; round++) for (const m of shapes) check(set, m, "p", 1);
    for (let i = 0; i < 40; i++) check(set, { _msgid: `x${i}`, [`k${i}`]: i, payload: i }, "p", 1);
    for (const m of shapes) check(set, m, "p", 1);
  });

  it("keeps a parsed __proto__ key as data and never copies inherited properties", () => {
    const set = setTopLevel("flag", true);
    const parsed = JSON.parse('{"_msgid":"j","__proto__":{"polluted":true},"payload":1}') as Message;
    const out = set(parsed);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as Record<string, unknown>).polluted).toBeUndefined();
    expect(out.flag).toBe(true);

    // A plain message teaches the rule a shape; one with the same keys, some of them inherited, must not use it.
    check(set, { _msgid: "m", payload: 1 }, "flag", true);
    const inherited = Object.assign(Object.create({ payload: 9 }) as Record<string, unknown>, { _msgid: "n" }) as Message;
    check(set, inherited, "flag", true);
    expect(Object.hasOwn(set(inherited), "payload")).toBe(false);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { _msgid: "o", payload: 2 }) as Message;
    check(set, bare, "flag", true);
    // An instance of a class: its own properties only, into a plain object.
    class Reading {
      _msgid = "r";
      payload = 3;
      get doubled(): number {
        return this.payload * 2;
      }
    }
    check(set, new Reading() as unknown as Message, "flag", true);
    check(set, { _msgid: "m2", payload: 4 }, "flag", true);

    // A rule whose property is "__proto__" sets a property of that name; the copy's prototype stays Object's.
    const value = { polluted: true };
    const setProto = setTopLevel("__proto__", value);
    for (const msg of [{ _msgid: "p", payload: 1 }, parsed]) check(setProto, msg as Message, "__proto__", value);
    expect((setProto({ _msgid: "q" } as Message) as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("copies messages with many properties and values of every kind by reference", () => {
    const set = setTopLevel("extra", "x");
    const nested = { deep: [1, 2] };
    const big: Record<string, unknown> = { _msgid: "big", nested };
    for (let i = 0; i < 50; i++) big[`f${i}`] = i;
    check(set, big as Message, "extra", "x");
    const odd = { _msgid: "odd", "0": "zero", "a-b": 1, "quote\"d": 2, "line\u2028sep": 3, nested } as Message;
    check(set, odd, "extra", "x");
    check(set, odd, "extra", "x");
    expect(set(odd).nested).toBe(nested);
  });

  it("copies what it is given when called outside any node's handler, also a message a rule built and then changed", () => {
    const first = setTopLevel("a", 1);
    const second = setTopLevel("b", 2);
    // The second rule learns the shape the first one builds, then gets such a message with a property added.
    check(second, first({ _msgid: "l", payload: 0 } as Message), "b", 2);
    const built = first({ _msgid: "m", payload: 1 } as Message) as Record<string, unknown>;
    built.extra = "added";
    check(second, built as Message, "b", 2);
    expect(second(built as Message).extra).toBe("added");
    // Integer-like keys go first whatever order they were set in: a copy keyed "0" is still exact, and so is the next rule's.
    const zero = setTopLevel("0", "z");
    const out = zero({ _msgid: "n", payload: 2 } as Message);
    expect(Object.keys(out)).toEqual(["0", "_msgid", "payload"]);
    check(second, out, "b", 2);
  });
});
