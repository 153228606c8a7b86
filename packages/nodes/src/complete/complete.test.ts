import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import complete from "./index.js";
import fn from "../function/index.js";
import change from "../change/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe("complete", () => {
  it("sends the message a watched node finished, not one it failed, and hears no other node", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "work", type: "function", config: { code: "await new Promise((r) => setTimeout(r, 5)); if (msg.payload < 0) throw new Error('negative'); return null;" } },
          { id: "other", type: "change", config: { rules: [{ action: "set", path: "x", value: "1", valueType: "string" }] } },
          { id: "done", type: "complete", config: { scope: ["work"] }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: [complete, fn, change] },
    );
    // The ones that must not be reported go first, one after the other: a report of either would reach `out`
    // ahead of the reports of 1 and 2.
    expect((await t.injectTracked("work", { payload: -1 })).outcome).toBe("nack");
    await t.injectTracked("other", { payload: 3 });
    await t.injectTracked("work", { payload: 1 });
    await t.injectTracked("work", { payload: 2 });
    const out = await t.waitFor("out", 2);
    expect(out.slice(0, 2).map((m) => m.payload)).toEqual([1, 2]);
    expect(out.every((m) => m.x === undefined)).toBe(true);
  });

  it("refuses an empty scope", async () => {
    await expect(startTestFlow({ nodes: [{ id: "c", type: "complete", config: { scope: [] } }] }, { nodes: [complete] })).rejects.toThrow(/scope/);
  });
});
