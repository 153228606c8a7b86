import { describe, expect, it } from "vitest";
import { searchNodes } from "./search.js";

const flows = [
  { id: "a", label: "Flow A", nodes: [{ id: "meter", type: "mqtt-in", name: "Grid meter" }, { id: "fn1", type: "function", name: "scale" }] },
  { id: "b", label: "Flow B", nodes: [{ id: "store", type: "store-write" }, { id: "m2", type: "function", name: "meter" }] },
];

describe("node search across flows", () => {
  it("matches name, type and id in any case, exact id or name first", () => {
    expect(searchNodes(flows, "METER").map((m) => `${m.flowId}/${m.nodeId}`)).toEqual(["a/meter", "b/m2"]);
    expect(searchNodes(flows, "function").map((m) => m.nodeId)).toEqual(["fn1", "m2"]);
    expect(searchNodes(flows, "stor")[0]).toEqual({ flowId: "b", flowLabel: "Flow B", nodeId: "store", type: "store-write" });
  });

  it("finds nothing for an empty query or no match", () => {
    expect(searchNodes(flows, "  ")).toEqual([]);
    expect(searchNodes(flows, "zzz")).toEqual([]);
  });
});
