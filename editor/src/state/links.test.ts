import { describe, expect, it } from "vitest";
import { linkTargets } from "./links.js";

describe("linkTargets", () => {
  it("resolves a link-out's links and a link-call's target to flow and node", () => {
    expect(linkTargets({ id: "o", type: "link-out", config: { links: ["in", "site/balance-in"] } }, "solar")).toEqual([
      { flowId: "solar", nodeId: "in", text: "in" },
      { flowId: "site", nodeId: "balance-in", text: "site/balance-in" },
    ]);
    expect(linkTargets({ id: "c", type: "link-call", config: { target: "tariffs/lookup" } }, "site")).toEqual([{ flowId: "tariffs", nodeId: "lookup", text: "tariffs/lookup" }]);
    expect(linkTargets({ id: "r", type: "link-out", config: { mode: "return", links: [] } }, "x")).toEqual([]);
    expect(linkTargets({ id: "d", type: "debug", config: { links: ["a/b"] } }, "x")).toEqual([]);
  });
});
