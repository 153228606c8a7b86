import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import html from "./index.js";
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
        { id: "h", type: "html", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [html, catchNode] },
  );
  return t;
}

const PAGE = `<html><body><table id="inv">
<tr><td class="name">East</td><td class="kw">1.5</td></tr>
<tr><td class="name"><b>West</b> &amp; roof</td><td class="kw" data-unit="kW">2.25</td></tr>
</table><a href="/log" class="more">log</a></body></html>`;

describe("html", () => {
  it("extracts text, inner html and attributes as an array", async () => {
    let tf = await start({ selector: "#inv td.name" });
    tf.inject("h", { payload: PAGE });
    expect((await tf.waitFor("out", 1))[0]!.payload).toEqual(["East", "West & roof"]);
    await tf.stop();
    tf = await start({ selector: "td.name", extract: "html", property: "body", outputProperty: "names" });
    tf.inject("h", { body: Buffer.from(PAGE) });
    expect((await tf.waitFor("out", 1))[0]!.names).toEqual(["East", "<b>West</b> &amp; roof"]);
    await tf.stop();
    tf = await start({ selector: "td.kw, a", extract: "attributes" });
    tf.inject("h", { payload: PAGE });
    expect((await tf.waitFor("out", 1))[0]!.payload).toEqual([{ class: "kw" }, { class: "kw", "data-unit": "kW" }, { href: "/log", class: "more" }]);
  });

  it("sends one message per match with parts, taking msg.select when no selector is set", async () => {
    const tf = await start({ output: "messages" });
    tf.inject("h", { payload: PAGE, select: "td.kw" });
    const out = await tf.waitFor("out", 2);
    expect(out.map((m) => m.payload)).toEqual(["1.5", "2.25"]);
    expect(out.map((m) => (m.parts as { index: number; count: number }).index)).toEqual([0, 1]);
    expect(out[0]!.parts).toMatchObject({ count: 2, type: "array" });
  });

  it("fails a message without a selector, with an unreadable selector or over maxBytes", async () => {
    const tf = await start({ maxBytes: 100 });
    tf.inject("h", { payload: "<p>x</p>" });
    tf.inject("h", { payload: "<p>x</p>", select: "td[" });
    tf.inject("h", { payload: PAGE, select: "td" });
    const errors = (await tf.waitFor("caught", 3)).map((m) => (m.error as { message: string }).message);
    expect(errors[0]).toBe('no selector: set config "selector" or msg.select');
    expect(errors[1]).toMatch(/^selector "td\[" cannot be used/);
    expect(errors[2]).toMatch(/^payload is \d+ bytes, over the 100-byte limit/);
  });
});
