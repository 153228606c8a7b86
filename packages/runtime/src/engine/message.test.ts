import { describe, expect, it } from "vitest";
import { createMessage, deepFreeze, messageFactory, type MessageInit } from "./message.js";

/** `[[[ … ]]]` nested `depth` levels, built without recursion. */
function deepArray(depth: number): unknown[] {
  const root: unknown[] = [];
  let cur = root;
  for (let i = 1; i < depth; i++) {
    const next: unknown[] = [];
    cur.push(next);
    cur = next;
  }
  cur.push("leaf");
  return root;
}

function deepObject(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cur = root;
  for (let i = 1; i < depth; i++) {
    const next: Record<string, unknown> = {};
    cur.a = next;
    cur = next;
  }
  cur.leaf = 1;
  return root;
}

function innermost(value: unknown): object {
  let cur = value as Record<string, unknown> | unknown[];
  for (;;) {
    const next: unknown = Array.isArray(cur) ? cur[0] : cur.a;
    if (next === null || typeof next !== "object") return cur;
    cur = next as Record<string, unknown> | unknown[];
  }
}

describe("deepFreeze", () => {
  it("freezes structures 100,000 levels deep without overflowing the stack", () => {
    for (const value of [deepArray(100_000), deepObject(100_000)]) {
      const msg = createMessage({ payload: value });
      expect(() => deepFreeze(msg)).not.toThrow();
      expect(Object.isFrozen(msg)).toBe(true);
      expect(Object.isFrozen(innermost(value))).toBe(true);
    }
  });

  it("freezes shared and cyclic parts once, and leaves bytes alone", () => {
    const shared = { v: 1 };
    const cyclic: Record<string, unknown> = { list: [shared, shared], bytes: Buffer.from([1, 2]) };
    cyclic.self = cyclic;
    deepFreeze(cyclic);
    expect(Object.isFrozen(cyclic)).toBe(true);
    expect(Object.isFrozen(shared)).toBe(true);
    expect(Object.isFrozen(cyclic.list)).toBe(true);
    expect(Object.isFrozen(cyclic.bytes)).toBe(false);
    expect(() => {
      (shared as { v: number }).v = 2;
    }).toThrow(TypeError);
  });

  it("freezes a parsed '__proto__' key as the data it is", () => {
    const payload = JSON.parse('{"__proto__":{"polluted":1},"ok":true}') as Record<string, unknown>;
    deepFreeze(payload);
    const inner = Object.getOwnPropertyDescriptor(payload, "__proto__")!.value as object;
    expect(Object.isFrozen(inner)).toBe(true);
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
  });
});

describe("createMessage", () => {
  it("keeps a '__proto__' key an own property instead of setting the message's prototype", () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":1},"payload":2}') as Record<string, unknown>;
    const msg = createMessage(parsed);
    expect(Object.getPrototypeOf(msg)).toBe(Object.prototype);
    expect(Object.hasOwn(msg, "__proto__")).toBe(true);
    expect((msg as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(msg.payload).toBe(2);
  });
});

describe("messageFactory", () => {
  /** What `createMessage` makes of `init`, `_msgid` aside: the factory must make the same, with a fresh id. */
  function check(make: (init: MessageInit) => unknown, init: MessageInit): void {
    const want = createMessage(init) as Record<string, unknown>;
    const got = make(init) as Record<string, unknown>;
    expect(got).not.toBe(init);
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.keys(got)).toEqual(Object.keys(want));
    for (const k of Object.keys(want)) if (k !== "_msgid") expect(got[k]).toBe(want[k]);
    expect(typeof got._msgid).toBe("string");
    expect(got._msgid).not.toBe(want._msgid);
  }

  it("copies inits of the keys it learned and of any other keys alike, inherited keys and __proto__ as createMessage does", () => {
    const make = messageFactory();
    const nested = { deep: [1] };
    const inits: MessageInit[] = [
      { payload: 1 },
      { payload: 2, topic: "t" },
      { topic: "u", payload: 3 },
      { _msgid: undefined, payload: 4 },
      { "0": "zero", payload: nested },
    ];
    for (let round = 0; round < 3; round++) for (const init of inits) check(make, init);
    // Same keys as a learned literal, but inherited: not copied.
    const inherited = Object.assign(Object.create({ payload: 9 }) as MessageInit, { topic: "i" });
    check(make, { topic: "a", payload: 0 });
    check(make, inherited);
    expect(Object.hasOwn(make(inherited), "payload")).toBe(false);
    check(make, JSON.parse('{"__proto__":{"polluted":1},"payload":5}') as MessageInit);
    expect((make(JSON.parse('{"__proto__":{"polluted":1}}') as MessageInit) as Record<string, unknown>).polluted).toBeUndefined();
    // Past its literal budget (shapes that keep changing) it stays right.
    for (let i = 0; i < 20; i++) check(make, { [`k${i}`]: i, payload: i });
    // An init that is already a message is sent as it is.
    const msg = createMessage({ payload: 6 });
    expect(make(msg)).toBe(msg);
  });
});
