import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import xml from "./index.js";
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
        { id: "x", type: "xml", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [xml, catchNode] },
  );
  return t;
}

const METER = '<meter id="7"><kw unit="W">1.5</kw><kw>2</kw><site>roof &amp; shed</site></meter>';

describe("xml", () => {
  it("parses attributes under $, text under _, repeated elements as arrays, and builds the same XML back", async () => {
    const tf = await start({});
    tf.inject("x", { payload: Buffer.from(METER) });
    const [parsed] = await tf.waitFor("out", 1);
    expect(parsed!.payload).toEqual({ meter: { $: { id: 7 }, kw: [{ $: { unit: "W" }, _: 1.5 }, 2], site: "roof & shed" } });
    tf.inject("x", { payload: parsed!.payload });
    const [built] = (await tf.waitFor("out", 2)).slice(1);
    expect(built!.payload).toBe(METER);
  });

  it("alwaysArray and numbers off give Node-RED's shape; another attributes key", async () => {
    const tf = await start({ alwaysArray: true, numbers: false, attributesKey: "attrs" });
    tf.inject("x", { payload: '<meter id="7"><kw>1.5</kw></meter>' });
    const [msg] = await tf.waitFor("out", 1);
    expect(msg!.payload).toEqual({ meter: { attrs: { id: "7" }, kw: ["1.5"] } });
  });

  it("refuses malformed, too deep, too large and entity-bomb text with the reason", async () => {
    const tf = await start({ maxDepth: 3, maxBytes: 5000 });
    const bomb = `<!DOCTYPE a [<!ENTITY x "${"x".repeat(200)}">]><a>${"&x;".repeat(1001)}</a>`;
    for (const payload of ["<a><b></a>", "<a><b><c><d>1</d></c></b></a>", "<a>" + "x".repeat(5000) + "</a>", bomb, "<a><b><c>ok</c></b></a>"]) tf.inject("x", { payload });
    const errors = (await tf.waitFor("caught", 4)).map((m) => (m.error as { message: string }).message);
    expect(errors[0]).toMatch(/^payload is not valid XML: Expected closing tag 'b'.*\(line 1, column 7\)/);
    expect(errors[1]).toMatch(/^payload is not valid XML: .*nested/i);
    expect(errors[2]).toContain("over the 5000-byte limit");
    expect(errors[3]).toMatch(/^payload is not valid XML: .*(expan|entit)/i);
    expect((await tf.waitFor("out", 1))[0]!.payload).toEqual({ a: { b: { c: "ok" } } });
  });
});
