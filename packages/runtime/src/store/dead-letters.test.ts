import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "./index.js";
import { deadLetterPreview } from "./dead-letters.js";
import type { DeadLetter, Store } from "./types.js";

let store: Store | undefined;
afterEach(async () => store?.close());

const letter = (i: number, flowId = "a"): Omit<DeadLetter, "id"> => ({
  time: 1000 + i,
  flowId,
  nodeId: "in",
  source: `t/${i}`,
  reason: "nests deeper than 64 levels",
  size: 3,
  preview: "[[[",
  previewEncoding: "text",
});

describe("dead letters", () => {
  it("lists newest first, filters by flow, limits, and clears", async () => {
    store = openStore({ memory: true });
    for (let i = 0; i < 5; i++) await store.deadLetters.add(letter(i, i % 2 ? "b" : "a"));
    expect((await store.deadLetters.list()).map((l) => l.source)).toEqual(["t/4", "t/3", "t/2", "t/1", "t/0"]);
    expect((await store.deadLetters.list({ flowId: "b" })).map((l) => l.source)).toEqual(["t/3", "t/1"]);
    expect((await store.deadLetters.list({ limit: 2 })).map((l) => l.source)).toEqual(["t/4", "t/3"]);
    expect(await store.deadLetters.count()).toBe(5);
    expect(await store.deadLetters.count("a")).toBe(3);
    expect((await store.deadLetters.list({ limit: 1 }))[0]).toMatchObject({ ...letter(4), id: 5 });
    expect(await store.deadLetters.clear("b")).toBe(2);
    expect(await store.deadLetters.clear()).toBe(3);
    expect(await store.deadLetters.count()).toBe(0);
  });

  it("keeps only the newest `capacity` letters", async () => {
    store = openStore({ memory: true, deadLetterCapacity: 50 });
    for (let i = 0; i < 120; i++) await store.deadLetters.add(letter(i));
    expect(await store.deadLetters.count()).toBe(50);
    const kept = await store.deadLetters.list({ limit: 100 });
    expect(kept[0]!.source).toBe("t/119");
    expect(kept.at(-1)!.source).toBe("t/70");
  });

  it("previews text as text, other bytes as base64, and values as JSON, about 1 KB of each", async () => {
    expect(deadLetterPreview(Buffer.from('{"a":1}'))).toEqual({ size: 7, preview: '{"a":1}', previewEncoding: "text" });
    expect(deadLetterPreview(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({ size: 3, preview: Buffer.from([0x7b, 0xff, 0x7d]).toString("base64"), previewEncoding: "base64" });
    // A character cut at the preview's end is not taken for invalid UTF-8.
    const accents = Buffer.from("é".repeat(2000));
    const p = deadLetterPreview(accents);
    expect(p).toMatchObject({ size: 4000, previewEncoding: "text" });
    expect(p.preview).toBe("é".repeat(512));
    expect(deadLetterPreview("x".repeat(5_000_000))).toMatchObject({ size: 5_000_000, preview: "x".repeat(1024) });
    expect(deadLetterPreview({ a: [1] })).toEqual({ size: 9, preview: '{"a":[1]}', previewEncoding: "text" });
  });
});
