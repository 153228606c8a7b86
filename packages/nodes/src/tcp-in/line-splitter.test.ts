import { describe, expect, it } from "vitest";
import { LineSplitter } from "./line-splitter.js";

type Event = ["line", string, number] | ["oversize", number, number, boolean];

const run = (chunks: (string | Buffer)[], maxLineBytes: number, stopOnOversize = false, end = true): Event[] => {
  const events: Event[] = [];
  const splitter = new LineSplitter(
    { maxLineBytes, stopOnOversize },
    {
      line: (bytes, n) => events.push(["line", bytes.toString("utf8"), n]),
      oversize: (bytes, n, complete) => events.push(["oversize", bytes, n, complete]),
    },
  );
  for (const c of chunks) splitter.push(typeof c === "string" ? Buffer.from(c) : c);
  if (end) splitter.end();
  return events;
};

describe("LineSplitter", () => {
  const text = 'a1\r\n{"x":"°"}\n\nlast';

  it("gives the same lines whatever the chunk boundaries", () => {
    const bytes = Buffer.from(text);
    const whole = run([bytes], 100);
    expect(whole).toEqual([
      ["line", "a1", 1],
      ["line", '{"x":"°"}', 2],
      ["line", "", 3],
      ["line", "last", 4],
    ]);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        expect(run([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)], 100)).toEqual(whole);
      }
    }
  });

  it("keeps an unterminated line until the stream ends", () => {
    expect(run(["abc"], 100, false, false)).toEqual([]);
  });

  it("accepts a line of exactly the limit even when its \\r and \\n arrive apart", () => {
    expect(run(["12345\r", "\n"], 5)).toEqual([["line", "12345", 1]]);
    expect(run(["123456\n"], 5)).toEqual([["oversize", 6, 1, true]]);
  });

  it("skips an oversize line to its newline, reporting its full size, and goes on", () => {
    expect(run(["ok\n0123", "456789", "abc\nnext\n"], 5)).toEqual([
      ["line", "ok", 1],
      ["oversize", 13, 2, true],
      ["line", "next", 3],
    ]);
  });

  it("reports an oversize line cut off by the end of the stream", () => {
    expect(run(["0123456789"], 5)).toEqual([["oversize", 10, 1, true]]);
  });

  it("stops at the first oversize line when asked", () => {
    expect(run(["ok\n0123", "456789", "abc\nnext\n"], 5, true)).toEqual([
      ["line", "ok", 1],
      ["oversize", 10, 2, false],
    ]);
    expect(run(["ok\n0123456789\nnext\n"], 5, true)).toEqual([
      ["line", "ok", 1],
      ["oversize", 10, 2, true],
    ]);
  });

  it("pauses between lines of one chunk and goes on from there when resumed, ending last", () => {
    const lines: string[] = [];
    const splitter: LineSplitter = new LineSplitter(
      { maxLineBytes: 100 },
      {
        line: (bytes) => {
          lines.push(bytes.toString());
          if (lines.length % 2 === 0) splitter.pause();
        },
        oversize: () => {},
      },
    );
    splitter.push(Buffer.from("1\n2\n3\n4\n5"));
    expect(lines).toEqual(["1", "2"]);
    splitter.push(Buffer.from("\n6"));
    splitter.end();
    expect(lines).toEqual(["1", "2"]);
    splitter.resume();
    expect(lines).toEqual(["1", "2", "3", "4"]);
    splitter.resume();
    expect(lines).toEqual(["1", "2", "3", "4", "5", "6"]);
  });
});
