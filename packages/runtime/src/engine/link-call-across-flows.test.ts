/**
 * Virtual wires leave on the port after a node's declared outputs: a
 * link-call's call reaches a link-in of another running flow, and the
 * link-out in return mode there answers the caller in the first flow.
 */
import { describe, expect, it } from "vitest";
import { nodes } from "@wattflow/nodes";
import { startTestFlow } from "../testing/index.js";
import { compileFlow, diffFlows, formatIssue } from "../flow/index.js";
import { FLOW_FORMAT } from "../flow/types.js";

describe("link-call across flows", () => {
  it("calls a link-in of another flow and emits its return on output 0 only", async () => {
    const t = await startTestFlow(
      {
        id: "caller",
        nodes: [
          { id: "call", type: "link-call", config: { target: "tariffs/lookup", timeout: "2s" }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes, flowId: "caller" },
    );
    try {
      const tariffs = compileFlow(
        {
          format: FLOW_FORMAT,
          id: "tariffs",
          nodes: [
            { id: "lookup", type: "link-in", wires: [["price"]] },
            { id: "price", type: "change", config: { rules: [{ action: "set", path: "price", value: 0.31, valueType: "number" }] }, wires: [["answer"]] },
            { id: "answer", type: "link-out", config: { mode: "return" } },
          ],
        },
        { registry: t.registry, env: {} },
      );
      if (!tariffs.ok) throw new Error(tariffs.errors.map(formatIssue).join("; "));
      await t.engine.deploy(tariffs.flow, diffFlows(undefined, tariffs.flow));

      const done = t.injectTracked("call", { payload: "peak" });
      const [msg] = await t.waitFor("out", 1);
      expect(msg).toMatchObject({ payload: "peak", price: 0.31 });
      expect(msg!._linkSource).toBeUndefined();
      await expect(done).resolves.toEqual({ outcome: "ack" });
      // The call itself went only to the other flow: nothing reached out before the answer, and nothing after it
      // (a stray copy of the first call would arrive before the second call's answer, which marks the end).
      await expect(t.injectTracked("call", { payload: "off-peak" })).resolves.toEqual({ outcome: "ack" });
      await t.waitFor("out", 2);
      expect(t.received("out").map((m) => m.payload)).toEqual(["peak", "off-peak"]);
    } finally {
      await t.stop();
    }
  });
});
