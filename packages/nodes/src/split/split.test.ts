import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import split from "./index.js";
import join from "../join/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function splitJoin(splitConfig: Record<string, unknown>, payload: unknown, joinConfig: Record<string, unknown> = {}) {
  t = await startTestFlow(
    {
      nodes: [
        { id: "s", type: "split", config: splitConfig, wires: [["parts", "j"]] },
        { id: "j", type: "join", config: joinConfig, wires: [["joined"]] },
        { id: "parts", type: "test-collect" },
        { id: "joined", type: "test-collect" },
      ],
    },
    { nodes: [split, join] },
  );
  // Completes once every part derived from it has been handled, joined or not.
  await t.injectTracked("s", { payload, topic: "site" });
  return { parts: t.received("parts"), joined: t.received("joined") };
}

describe("split", () => {
  it("an array into one message per element with msg.parts, and join puts it back", async () => {
    const { parts, joined } = await splitJoin({}, [10, 20, 30]);
    expect(parts.map((m) => m.payload)).toEqual([10, 20, 30]);
    expect(parts.map((m) => m.topic)).toEqual(["site", "site", "site"]);
    expect(parts[1]!.parts).toMatchObject({ type: "array", index: 1, count: 3 });
    expect(new Set(parts.map((m) => (m.parts as { id: string }).id)).size).toBe(1);
    expect(joined.map((m) => m.payload)).toEqual([[10, 20, 30]]);
    expect(joined[0]!.parts).toBeUndefined();
  });

  it("an array in groups of N, joined back flat", async () => {
    const { parts, joined } = await splitJoin({ chunkLength: 2 }, [1, 2, 3, 4, 5]);
    expect(parts.map((m) => m.payload)).toEqual([[1, 2], [3, 4], [5]]);
    expect(joined[0]!.payload).toEqual([1, 2, 3, 4, 5]);
  });

  it("an object into one message per key, and back into the object", async () => {
    const { parts, joined } = await splitJoin({ keyProperty: "topic" }, { pv: 1200, load: 800 });
    expect(parts.map((m) => [m.topic, m.payload])).toEqual([["pv", 1200], ["load", 800]]);
    expect(joined[0]!.payload).toEqual({ pv: 1200, load: 800 });
  });

  it("text at a delimiter or into fixed-length pieces, and back into the text", async () => {
    const lines = await splitJoin({}, "a\nb\nc");
    expect(lines.parts.map((m) => m.payload)).toEqual(["a", "b", "c"]);
    expect(lines.joined[0]!.payload).toBe("a\nb\nc");
    const chunks = await splitJoin({ chunkLength: 3 }, "abcdefg");
    expect(chunks.parts.map((m) => m.payload)).toEqual(["abc", "def", "g"]);
    expect(chunks.joined[0]!.payload).toBe("abcdefg");
  });

  it("passes a number unchanged", async () => {
    const { parts } = await splitJoin({}, 42);
    expect(parts.map((m) => m.payload)).toEqual([42]);
    expect(parts[0]!.parts).toBeUndefined();
  });

  it("a split of 100,000 elements arrives complete (the node is held, not dropped)", async () => {
    const big = Array.from({ length: 100_000 }, (_, i) => i);
    t = await startTestFlow(
      {
        nodes: [
          { id: "s", type: "split", wires: [["j"]] },
          { id: "j", type: "join", queue: { size: 100 }, config: { mode: "reduce", operation: "sum" }, wires: [["joined"]] },
          { id: "joined", type: "test-collect" },
        ],
      },
      { nodes: [split, join], freeze: false },
    );
    t.inject("s", { payload: big });
    const [sum] = await t.waitFor("joined", 1, 20_000);
    expect(sum!.payload).toBe((99_999 * 100_000) / 2);
    expect(t.engine.stats().reduce((n, s) => n + s.dropped, 0)).toBe(0);
  });
});
