import { describe, expect, it } from "vitest";
import { addConnection, freshConnectionId, updateConnection, addNode, apply, connect, disconnect, edgesOf, emptyFlow, moveNodes, paste, redo, removeNodes, start, undo, updateNode } from "./flow-state.js";
import * as S from "./flow-state.js";

describe("editor flow state", () => {
  it("builds a flow document by edits, with undo and redo", () => {
    let h = start(emptyFlow("demo"));
    h = apply(h, addNode("inject", { x: 10, y: 20 }, { interval: "5s" }));
    h = apply(h, addNode("debug", { x: 200, y: 20 }));
    h = apply(h, connect("inject1", 0, "debug1"));
    expect(h.doc.nodes).toEqual([
      { id: "inject1", type: "inject", config: { interval: "5s" }, wires: [["debug1"]], position: { x: 10, y: 20 } },
      { id: "debug1", type: "debug", config: {}, wires: [], position: { x: 200, y: 20 } },
    ]);
    expect(edgesOf(h.doc)).toEqual([{ id: "inject1:0->debug1", source: "inject1", port: 0, target: "debug1" }]);
    h = undo(h);
    expect(edgesOf(h.doc)).toEqual([]);
    h = redo(h);
    expect(edgesOf(h.doc)).toHaveLength(1);
    h = apply(h, disconnect("inject1", 0, "debug1"));
    expect(h.doc.nodes[0]!.wires).toEqual([[]]);
  });

  it("records typeVersion on a new node only when its type is above version 1", () => {
    let h = start(emptyFlow("v"));
    h = apply(h, addNode("meter", { x: 0, y: 0 }, {}, 3));
    h = apply(h, addNode("debug", { x: 0, y: 90 }, {}, 1));
    expect(h.doc.nodes.map((n) => [n.id, n.typeVersion])).toEqual([
      ["meter1", 3],
      ["debug1", undefined],
    ]);
  });

  it("an edit that changes nothing leaves no undo step", () => {
    let h = start(emptyFlow("x"));
    h = apply(h, addNode("debug", { x: 0, y: 0 }));
    const before = h.past.length;
    h = apply(h, moveNodes({ debug1: { x: 0, y: 0 } }));
    h = apply(h, connect("debug1", 0, "nope"));
    h = apply(h, connect("debug1", 0, "nope"));
    expect(h.past.length).toBe(before + 1);
  });

  it("removing nodes removes the wires into them", () => {
    let h = start(emptyFlow("x"));
    for (const t of ["inject", "change", "debug"]) h = apply(h, addNode(t, { x: 0, y: 0 }));
    h = apply(h, connect("inject1", 0, "change1"));
    h = apply(h, connect("change1", 0, "debug1"));
    h = apply(h, removeNodes(["change1"]));
    expect(h.doc.nodes.map((n) => [n.id, n.wires])).toEqual([
      ["inject1", [[]]],
      ["debug1", []],
    ]);
  });

  it("pastes copies with fresh ids, keeping only the wires among them", () => {
    let h = start(emptyFlow("x"));
    for (const t of ["inject", "debug", "debug"]) h = apply(h, addNode(t, { x: 10, y: 10 }));
    h = apply(h, connect("inject1", 0, "debug1"));
    h = apply(h, connect("inject1", 0, "debug2"));
    h = apply(h, updateNode("inject1", { name: "tick" }));
    const copied = h.doc.nodes.filter((n) => n.id !== "debug2");
    h = apply(h, paste(copied, { x: 40, y: 40 }));
    expect(h.doc.nodes.slice(3)).toEqual([
      { id: "inject2", type: "inject", name: "tick", config: {}, wires: [["debug3"]], position: { x: 50, y: 50 } },
      { id: "debug3", type: "debug", config: {}, wires: [], position: { x: 50, y: 50 } },
    ]);
  });
});

describe("connections", () => {
  it("adds a shared connection with a fresh id and edits its config", () => {
    let h = start(emptyFlow("x"));
    const id = freshConnectionId(h.doc, "modbus-device");
    h = apply(h, addConnection(id, "modbus-device"));
    h = apply(h, updateConnection(id, { url: "tcp://10.0.0.5:502" }));
    expect(h.doc.connections).toEqual([{ id: "modbus-device1", type: "modbus-device", config: { url: "tcp://10.0.0.5:502" } }]);
    expect(freshConnectionId(h.doc, "modbus-device")).toBe("modbus-device2");
  });
});

describe("deleting with wires", () => {
  it("removes a wired node and its wires in one undo step, and undo restores both", () => {
    const doc: S.FlowDocument = {
      format: "wattflow/flow@1",
      id: "f",
      nodes: [
        { id: "a", type: "t", wires: [["b"]] },
        { id: "b", type: "t", wires: [["c"]] },
        { id: "c", type: "t" },
      ],
    };
    const h = S.apply(S.start(doc), S.removeElements(["b"], [{ source: "a", port: 0, target: "b" }, { source: "b", port: 0, target: "c" }]));
    expect(h.doc.nodes.map((n) => n.id)).toEqual(["a", "c"]);
    expect(S.edgesOf(h.doc)).toEqual([]);
    expect(S.undo(h).doc).toBe(doc);
    expect(S.undo(h).past).toEqual([]);
  });

  it("finds wires to nodes that do not exist", () => {
    const doc: S.FlowDocument = { format: "wattflow/flow@1", id: "f", nodes: [{ id: "a", type: "t", wires: [["gone", "b"]] }, { id: "b", type: "t" }] };
    expect(S.danglingEdges(doc).map((e) => e.target)).toEqual(["gone"]);
  });
});
