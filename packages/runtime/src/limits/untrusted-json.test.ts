import { describe, expect, it } from "vitest";
import { decodeUntrustedJson, jsonNestsDeeperThan, parseUntrustedJson } from "./untrusted-json.js";
import { setPath } from "../util/path.js";

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));
const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);

describe("nesting depth", () => {
  it("accepts exactly the limit and refuses one level more", () => {
    expect(jsonNestsDeeperThan(nested(64), 64)).toBe(false);
    expect(jsonNestsDeeperThan(nested(65), 64)).toBe(true);
    expect(jsonNestsDeeperThan(`{"a":${nested(63)}}`, 64)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":${nested(64)}}`, 64)).toBe(true);
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const inString = JSON.stringify({ text: "[".repeat(500) + '\\"' + "{".repeat(500), list: [1, 2] });
    expect(jsonNestsDeeperThan(inString, 3)).toBe(false);
    // An escaped backslash ends the string: the brackets after it count.
    expect(jsonNestsDeeperThan('["a\\\\", [[[1]]]]', 3)).toBe(true);
    expect(jsonNestsDeeperThan('["a\\"", [[1]]]', 3)).toBe(false);
  });

  it("refuses 10,000 levels before parsing, with the limit in the reason", () => {
    expect(parseUntrustedJson(nested(10_000))).toEqual({ ok: false, kind: "too-deep", reason: "nests deeper than 64 levels" });
    expect(parseUntrustedJson(nested(10_000), 20_000)).toMatchObject({ ok: true });
    const object = '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000);
    expect(parseUntrustedJson(object, 10)).toMatchObject({ ok: false, kind: "too-deep", reason: "nests deeper than 10 levels" });
  });

  it("scans a large flat document quickly", () => {
    const doc = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `sensor "${i}" [x]`, values: [i, i + 1] })));
    const started = performance.now();
    for (let i = 0; i < 10; i++) expect(jsonNestsDeeperThan(doc, 64)).toBe(false);
    const perMb = (performance.now() - started) / 10 / (doc.length / 1e6);
    // Generous: a few ms per MB on this machine; a quadratic scan would take seconds.
    expect(perMb).toBeLessThan(100);
  });
});

describe("decodeUntrustedJson", () => {
  it("checks size, then UTF-8, then depth, then syntax", () => {
    expect(decodeUntrustedJson(bytes("[1]"), { maxBytes: 2 })).toEqual({ ok: false, kind: "too-large", reason: "is 3 bytes, over the 2-byte limit" });
    expect(decodeUntrustedJson(new Uint8Array([0x22, 0xff, 0x22]), { maxBytes: 10 })).toEqual({ ok: false, kind: "invalid-utf8", reason: "is not valid UTF-8" });
    expect(decodeUntrustedJson(bytes(nested(5)), { maxBytes: 100, maxDepth: 4 })).toMatchObject({ ok: false, kind: "too-deep" });
    expect(decodeUntrustedJson(bytes("{oops"), { maxBytes: 100 })).toMatchObject({ ok: false, kind: "invalid-json", reason: expect.stringMatching(/^is not valid JSON \(.+\)$/) });
    expect(decodeUntrustedJson(bytes('{"a":[1,"é"]}'), { maxBytes: 100 })).toEqual({ ok: true, value: { a: [1, "é"] } });
  });
});

describe("prototype keys in parsed JSON", () => {
  it("stay own data through path setters; nothing's prototype changes", () => {
    const parsed = parseUntrustedJson('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"v":1}');
    expect(parsed.ok).toBe(true);
    const msg = { _msgid: "1", payload: parsed.ok ? parsed.value : undefined };
    const out = setPath(msg, "payload.seen", true);
    const payload = out.payload as Record<string, unknown>;
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(payload.polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(payload, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(payload.seen).toBe(true);
    // A path through "__proto__" writes an own key of the copy, never a prototype.
    const viaPath = setPath({ payload: {} } as Record<string, unknown>, "payload.__proto__.polluted", 3);
    expect(Object.getPrototypeOf(viaPath.payload)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(viaPath.payload, "__proto__")?.value).toEqual({ polluted: 3 });
    const viaConstructor = setPath({} as Record<string, unknown>, "constructor.prototype.polluted", 4);
    expect(Object.hasOwn(viaConstructor, "constructor")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});
