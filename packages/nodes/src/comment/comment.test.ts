import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import comment from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe("comment", () => {
  it("deploys with its text and takes no wires", async () => {
    t = await startTestFlow({ nodes: [{ id: "n", type: "comment", config: { text: "why" } }] }, { nodes: [comment] });
    expect(t.engine.stats().map((s) => s.nodeId)).toEqual(["n"]);
    await expect(
      startTestFlow({ nodes: [{ id: "n", type: "comment", wires: [["x"]] }, { id: "x", type: "test-collect" }] }, { nodes: [comment] }),
    ).rejects.toThrow(/wires/);
  });
});
