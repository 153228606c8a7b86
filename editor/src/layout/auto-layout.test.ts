import { describe, expect, it } from "vitest";
import type { FlowDocument, FlowNode } from "../../../packages/runtime/src/flow/types.js";
import { arrange, layeredLayout, tidy } from "./auto-layout.js";

const size = () => ({ width: 150, height: 40 });
const node = (id: string, wires: string[][] = [], position?: { x: number; y: number }): FlowNode => ({ id, type: "t", wires, ...(position ? { position } : {}) });
const doc = (nodes: FlowNode[]): FlowDocument => ({ format: "wattflow/flow@1", id: "f", nodes });

function overlapping(at: Record<string, { x: number; y: number }>): string[] {
  const ids = Object.keys(at);
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) {
      const a = at[ids[i]!]!;
      const b = at[ids[j]!]!;
      if (Math.abs(a.x - b.x) < 150 && Math.abs(a.y - b.y) < 40) out.push(`${ids[i]}/${ids[j]}`);
    }
  return out;
}

describe("auto layout", () => {
  it("puts each node right of the nodes wired into it, cycles included", () => {
    const at = layeredLayout([node("a", [["b", "c"]]), node("b", [["d"]]), node("c", [["d"]]), node("d", [["b"]])], size);
    expect(at.b!.x).toBeGreaterThan(at.a!.x);
    expect(at.c!.x).toBeGreaterThan(at.a!.x);
    expect(at.d!.x).toBeGreaterThan(at.b!.x);
    expect(overlapping(at)).toEqual([]);
  });

  it("lays out a large unconnected flow without overlaps, roughly as wide as tall", () => {
    const nodes = Array.from({ length: 60 }, (_, i) => node(`n${i}`, i % 3 === 2 ? [] : [[`n${i + 1}`]]));
    const at = layeredLayout(nodes, size);
    expect(overlapping(at)).toEqual([]);
    const xs = Object.values(at).map((p) => p.x);
    const ys = Object.values(at).map((p) => p.y);
    const ratio = (Math.max(...xs) - Math.min(...xs)) / (Math.max(...ys) - Math.min(...ys));
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(4);
  });

  it("keeps saved positions, moves overlapping nodes apart and places unpositioned ones below", () => {
    const at = arrange(doc([node("a", [], { x: 0, y: 0 }), node("b", [], { x: 100, y: 10 }), node("c", [], { x: 400, y: 0 }), node("d")]), size);
    expect(at.a).toEqual({ x: 0, y: 0 });
    expect(at.c).toEqual({ x: 400, y: 0 });
    expect(at.b!.x).toBe(100);
    expect(at.b!.y).toBeGreaterThanOrEqual(40);
    expect(at.d!.y).toBeGreaterThan(at.b!.y);
    expect(overlapping(at)).toEqual([]);
  });

  it("tidy gives every node a position", () => {
    const tidied = tidy(size)(doc([node("a", [["b"]], { x: 5, y: 5 }), node("b")]));
    expect(tidied.nodes.every((n) => n.position)).toBe(true);
  });
});
