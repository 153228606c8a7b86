import { describe, expect, it } from "vitest";
import { compileFlow, migrateFlow, FLOW_FORMAT, type Migration } from "./index.js";
import { compiled, errorLines, registry } from "./__fixtures__/registry.js";

describe("migrateFlow", () => {
  it("leaves a format-1 document as it is", () => {
    const d = { format: FLOW_FORMAT, id: "x", nodes: [] };
    expect(migrateFlow(d)).toEqual({ document: d });
  });

  it("lifts format 0 without a format field: top-level x/y become position, a flat wires list is port 0", () => {
    const old = { id: "old", label: "Old", nodes: [{ id: "p", type: "poll", x: 10, y: 20, wires: ["s", "t"] }, { id: "s", type: "sink", x: 0, y: 0 }, { id: "t", type: "sink" }] };
    const before = structuredClone(old);
    const r = migrateFlow(old);
    expect(r.migratedFrom).toBe("wattflow/flow@0");
    expect(r.issue).toBeUndefined();
    expect(r.document).toEqual({
      format: FLOW_FORMAT,
      id: "old",
      label: "Old",
      nodes: [
        { id: "p", type: "poll", position: { x: 10, y: 20 }, wires: [["s", "t"]] },
        { id: "s", type: "sink", position: { x: 0, y: 0 } },
        { id: "t", type: "sink" },
      ],
    });
    expect(old).toEqual(before); // the input is not touched
    // and the result compiles like any format-1 flow
    expect(compiled(old).nodes[0]!.wires).toEqual([["s", "t"]]);
  });

  it("lifts an explicit wattflow/flow@0 and keeps already per-port wires", () => {
    const r = migrateFlow({ format: "wattflow/flow@0", id: "old", nodes: [{ id: "r", type: "route", wires: [["a"], ["b"]] }, { id: "e", type: "sink", wires: [] }] });
    expect(r).toMatchObject({ migratedFrom: "wattflow/flow@0", document: { nodes: [{ wires: [["a"], ["b"]] }, { wires: [] }] } });
  });

  it("keeps x/y it cannot turn into a position, so the schema names them", () => {
    expect(errorLines({ id: "old", nodes: [{ id: "p", type: "poll", x: "10", y: 20 }] })).toEqual([
      "old/p /nodes/0/x: is not a known property here",
      "old/p /nodes/0/y: is not a known property here",
    ]);
  });

  it("refuses a format it does not know, with the format it reads", () => {
    const r = migrateFlow({ format: "wattflow/flow@9", id: "x", nodes: [] });
    expect(r.issue).toEqual({ pointer: "/format", message: 'unsupported format "wattflow/flow@9" (this runtime reads wattflow/flow@1)' });
    const c = compileFlow({ format: "wattflow/flow@9", id: "x", nodes: [] }, { registry, env: {}, file: "x.json" });
    expect(!c.ok && c.errors).toEqual([{ file: "x.json", flowId: "x", pointer: "/format", message: 'unsupported format "wattflow/flow@9" (this runtime reads wattflow/flow@1)' }]);
  });

  it("runs a chain of migrations in turn and stops a table that loops", () => {
    const table: Record<string, Migration> = {
      a: { to: "b", migrate: (d) => ({ ...d, format: "b", steps: 1 }) },
      b: { to: FLOW_FORMAT, migrate: (d) => ({ ...d, format: FLOW_FORMAT, steps: 2 }) },
    };
    expect(migrateFlow({ format: "a" }, table)).toEqual({ document: { format: FLOW_FORMAT, steps: 2 }, migratedFrom: "a" });
    const loop: Record<string, Migration> = { a: { to: "b", migrate: (d) => d }, b: { to: "a", migrate: (d) => d } };
    expect(migrateFlow({ format: "a" }, loop).issue?.message).toMatch(/loop/);
  });

  it("passes what is not an object through for the schema to describe", () => {
    expect(migrateFlow(null)).toEqual({ document: null });
    expect(migrateFlow({ format: 1 })).toEqual({ document: { format: 1 } });
  });
});
