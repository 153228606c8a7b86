import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import template from "./index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function render(config: Record<string, unknown>, inputs: Record<string, unknown>[], setup?: (t: TestFlow) => void | Promise<void>) {
  t = await startTestFlow(
    {
      id: "tpl",
      env: { SITE: "Roof" },
      nodes: [
        { id: "t", type: "template", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [template, catchNode], flowId: "tpl" },
  );
  await setup?.(t);
  for (const m of inputs) t.inject("t", m);
  return t;
}

describe("template", () => {
  it("renders escaped and raw values, sections, and flow, global and env lookups (inside sections too)", async () => {
    const tf = await render(
      { template: "{{env.SITE}}: {{payload.name}} {{{payload.name}}} {{#payload.rows}}[{{kw}}/{{flow.limit.max}}]{{/payload.rows}}{{^payload.none}} none{{/payload.none}} {{global.unit}}" },
      [],
      async (tf) => {
        await tf.store.context.set("flow:tpl", "limit", { max: 5 });
        await tf.store.context.set("global", "unit", "kW");
      },
    );
    tf.inject("t", { payload: { name: "a<b", rows: [{ kw: 1 }, { kw: 2 }] } });
    const [msg] = await tf.waitFor("out", 1);
    expect(msg!.payload).toBe("Roof: a&lt;b a<b [1/5][2/5] none kW");
  });

  it("parses JSON and YAML output, stores into flow context, and fails a message whose output does not parse", async () => {
    let tf = await render({ template: '{"kw": {{payload}}, "site": "{{topic}}"}', output: "json", property: "body" }, [{ payload: 1.5, topic: "roof" }, { payload: "oops" }]);
    const [ok] = await tf.waitFor("out", 1);
    expect(ok!.body).toEqual({ kw: 1.5, site: "roof" });
    const [caught] = await tf.waitFor("caught", 1);
    expect((caught!.error as { message: string }).message).toContain("rendered text is not valid JSON");
    await tf.stop();

    tf = await render({ template: "kw: {{payload}}\nunits: [W, kW]", output: "yaml", target: "flow", property: "last" }, [{ payload: 3 }]);
    const [passed] = await tf.waitFor("out", 1);
    expect(passed!.payload).toBe(3);
    expect(await tf.store.context.get("flow:tpl", "last")).toEqual({ kw: 3, units: ["W", "kW"] });
  });

  it("refuses a template mustache cannot read at deploy, naming the field", async () => {
    await expect(render({ template: "{{#open}} never closed" }, [])).rejects.toThrow(/\/template: not valid mustache/);
  });
});
