import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import yaml from "./index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function start(config: Record<string, unknown>) {
  t = await startTestFlow(
    {
      nodes: [
        { id: "y", type: "yaml", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [yaml, catchNode] },
  );
  return t;
}

describe("yaml", () => {
  it("toggle parses text (and Buffers) and stringifies values; parse and stringify go one way", async () => {
    let tf = await start({});
    tf.inject("y", { payload: "site: roof\nlimits: { max: 5.5, on: yes }\nrows:\n  - 1\n  - 0x1F\n" });
    tf.inject("y", { payload: Buffer.from("- a\n- b\n") });
    tf.inject("y", { payload: { kw: 2, tags: ["a"] } });
    expect((await tf.waitFor("out", 3)).map((m) => m.payload)).toEqual([{ site: "roof", limits: { max: 5.5, on: "yes" }, rows: [1, 31] }, ["a", "b"], "kw: 2\ntags:\n  - a\n"]);
    await tf.stop();
    tf = await start({ action: "parse" });
    tf.inject("y", { payload: { a: 1 } });
    expect((await tf.waitFor("out", 1))[0]!.payload).toEqual({ a: 1 });
    await tf.stop();
    tf = await start({ action: "stringify" });
    tf.inject("y", { payload: "a: 1" });
    expect((await tf.waitFor("out", 1))[0]!.payload).toBe("a: 1");
  });

  it("refuses invalid, too large, too deep and alias-bomb text with the reason, and keeps __proto__ as data", async () => {
    const tf = await start({ maxBytes: 2000, maxDepth: 3 });
    const bomb = ["a: &a [x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(20).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n");
    for (const payload of ["a: [1, 2", "x".repeat(2001), "a: [[[1]]]", bomb, "__proto__: { polluted: 1 }"]) tf.inject("y", { payload });
    const errors = (await tf.waitFor("caught", 4)).map((m) => (m.error as { message: string }).message);
    expect(errors[0]).toMatch(/^payload is not valid YAML: .*line 1/);
    expect(errors[1]).toContain("over the 2000-byte limit");
    expect(errors[2]).toBe('payload nests deeper than 3 levels (config "maxDepth")');
    expect(errors[3]).toMatch(/not valid YAML: .*alias/i);
    const [safe] = await tf.waitFor("out", 1);
    expect(Object.getPrototypeOf(safe!.payload)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(safe!.payload as object)).toEqual(["__proto__"]);
  });
});
