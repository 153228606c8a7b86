import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import json from "./index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function convert(config: Record<string, unknown>, inputs: Record<string, unknown>[]) {
  await t?.stop();
  t = await startTestFlow(
    {
      nodes: [
        { id: "j", type: "json", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [json, catchNode] },
  );
  // Each completion settles once the message and everything derived from it has been handled.
  await Promise.all(inputs.map((m) => t!.injectTracked("j", m)));
  return t.received("out");
}

describe("json", () => {
  it("toggle parses text and stringifies values", async () => {
    const out = await convert({}, [{ payload: '{"kw":1.5,"on":true}' }, { payload: { kw: 2 } }, { payload: 3 }]);
    expect(out.map((m) => m.payload)).toEqual([{ kw: 1.5, on: true }, '{"kw":2}', "3"]);
  });

  it("parse and stringify only go one way; pretty indents; another property", async () => {
    expect((await convert({ action: "parse" }, [{ payload: { a: 1 } }, { payload: "[1]" }])).map((m) => m.payload)).toEqual([{ a: 1 }, [1]]);
    expect((await convert({ action: "stringify", pretty: true }, [{ payload: "x" }, { payload: { a: 1 } }])).map((m) => m.payload)).toEqual(["x", '{\n  "a": 1\n}']);
    expect((await convert({ property: "body" }, [{ body: '{"a":2}' }]))[0]!.body).toEqual({ a: 2 });
  });

  it("refuses invalid, too deep and too large text with an error naming the reason, and keeps __proto__ as data", async () => {
    const out = await convert({ maxDepth: 3, maxBytes: 100 }, [
      { payload: "{nope" },
      { payload: "[[[[1]]]]" },
      { payload: JSON.stringify("x".repeat(200)) },
      { payload: '{"__proto__":{"polluted":1}}' },
    ]);
    const errors = (await t!.waitFor("caught", 3)).map((m) => (m.error as { message: string }).message);
    expect(errors[0]).toContain("payload is not valid JSON");
    expect(errors[1]).toContain("nests deeper than 3 levels");
    expect(errors[2]).toContain("over the 100-byte limit");
    expect(out).toHaveLength(1);
    expect(Object.hasOwn(out[0]!.payload as object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(t!.engine.stats().find((s) => s.nodeId === "j")!.rejected).toBe(3);
  });
});
