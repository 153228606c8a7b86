import { describe, expect, it } from "vitest";
import type { FlowDocument } from "../../../packages/runtime/src/flow/types.js";
import { subflowEntries } from "./subflows.js";

describe("subflowEntries", () => {
  it("makes each subflow a node type of the flow, with its ports and a form from its parameters", () => {
    const doc = {
      format: "wattflow/flow@1",
      id: "plant",
      subflows: [
        {
          id: "rollup",
          label: "Rollup to the store",
          params: { kind: { type: "string", description: "telemetry kind" }, window: { type: "string", default: "1m" } },
          input: ["agg"],
          outputs: [{ node: "write" }, { node: "agg", port: 1 }],
          nodes: [{ id: "agg", type: "aggregate-window" }, { id: "write", type: "store-write" }],
        },
      ],
      nodes: [],
    } as unknown as FlowDocument;
    const [entry] = subflowEntries(doc);
    expect(entry).toMatchObject({
      type: "subflow:rollup",
      category: "subflows",
      summary: "Rollup to the store",
      inputs: 1,
      outputs: ["output 1", "output 2"],
      configSchema: { type: "object", required: ["kind"], additionalProperties: false },
    });
    expect(entry!.docs).toContain("`kind`: telemetry kind");
  });

  it("gives nothing for a flow without subflows", () => {
    expect(subflowEntries({ format: "wattflow/flow@1", id: "demo", nodes: [] } as unknown as FlowDocument)).toEqual([]);
  });
});
