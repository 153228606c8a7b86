import { describe, expect, it } from "vitest";
import { envProblem, withSettings } from "./FlowForm.js";
import type { FlowDocument } from "../state/flow-state.js";

const doc: FlowDocument = { format: "wattflow/flow@1", id: "meter", label: "Meter", nodes: [] };

describe("flow settings", () => {
  it("applies label, description and env, dropping rows with no name", () => {
    const next = withSettings(doc, { label: "Main meter", description: " Reads the meter. ", env: [["BROKER", "mqtt://x"], ["", "ignored"]] });
    expect(next).toEqual({ ...doc, label: "Main meter", description: "Reads the meter.", env: { BROKER: "mqtt://x" } });
  });

  it("returns the same document when nothing changed, so no undo step is made", () => {
    const withEnv = { ...doc, env: { A: "1" } };
    expect(withSettings(withEnv, { label: "Meter", description: "", env: [["A", "1"]] })).toBe(withEnv);
  });

  it("removes an emptied description and env, and falls back to the id for an empty label", () => {
    const full = { ...doc, description: "x", env: { A: "1" } };
    expect(withSettings(full, { label: " ", description: "", env: [] })).toEqual({ format: "wattflow/flow@1", id: "meter", label: "meter", nodes: [] });
  });

  it("names a variable name ${NAME} could not use, and a name listed twice", () => {
    expect(envProblem([["2nd", "x"]])).toMatch(/"2nd" is not a variable name/);
    expect(envProblem([["A", "1"], ["A", "2"]])).toMatch(/"A" is listed twice/);
    expect(envProblem([["A_1", "1"], ["", ""]])).toBeNull();
  });
});
