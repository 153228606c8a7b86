import { describe, expect, it } from "vitest";
import type { FlowDocument } from "../state/flow-state.js";
import { contextPath, runningNodeIds } from "./ContextPanel.js";

const doc: FlowDocument = {
  format: "wattflow/flow@1",
  id: "plant",
  subflows: [{ id: "scale", input: ["mul"], outputs: [{ node: "tag" }], nodes: [{ id: "mul", type: "function" }, { id: "tag", type: "change" }] }],
  nodes: [
    { id: "meter", type: "inject" },
    { id: "double", type: "subflow:scale", config: {} },
    { id: "ghost", type: "subflow:missing" },
  ],
};

describe("context viewer scopes", () => {
  it("reads a node's own context, and a subflow instance's through its copies", () => {
    expect(runningNodeIds(doc, doc.nodes[0])).toEqual(["meter"]);
    expect(runningNodeIds(doc, doc.nodes[1])).toEqual(["double.mul", "double.tag"]);
    expect(runningNodeIds(doc, doc.nodes[2])).toEqual([]);
    expect(runningNodeIds(doc, undefined)).toEqual([]);
  });

  it("asks the admin API for the scope, ids escaped", () => {
    expect(contextPath("global", "plant")).toBe("/api/context/global");
    expect(contextPath("flow", "plant")).toBe("/api/context/flow/plant");
    expect(contextPath("node:double.mul", "plant")).toBe("/api/context/node/plant/double.mul");
    expect(contextPath("node:a b", "x/y")).toBe("/api/context/node/x%2Fy/a%20b");
  });
});
