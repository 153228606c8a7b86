import { describe, expect, it } from "vitest";
import { convertNodeRed } from "./convert.js";

const exportFile = [
  { id: "t1", type: "tab", label: "Sensors Flow" },
  { id: "a.1", type: "inject", z: "t1", name: "tick", props: [{ p: "payload", v: "42", vt: "num" }, { p: "topic", vt: "str", v: "t" }], repeat: "10", once: true, onceDelay: 0.5, x: 100, y: 80, wires: [["b.2"]] },
  { id: "b.2", type: "change", z: "t1", rules: [{ t: "set", p: "payload.unit", pt: "msg", to: "W", tot: "str" }, { t: "move", p: "a", to: "b" }, { t: "change", p: "x", from: "a", to: "b" }], x: 300, y: 80, wires: [["c.3", "u.9"]] },
  { id: "c.3", type: "switch", z: "t1", property: "payload", rules: [{ t: "gt", v: "5", vt: "num" }, { t: "else" }], checkall: "false", outputs: 2, x: 500, y: 80, wires: [["d.4"], []] },
  { id: "d.4", type: "debug", z: "t1", complete: "true", console: false, x: 700, y: 80, wires: [] },
  { id: "u.9", type: "ui_gauge", z: "t1", name: "power gauge", x: 500, y: 160, wires: [] },
  { id: "h.5", type: "http in", z: "t1", url: "/api/x/:id", method: "get", x: 100, y: 300, wires: [["r.6"]] },
  { id: "r.6", type: "http response", z: "t1", statusCode: "201", x: 300, y: 300, wires: [] },
  { id: "lo", type: "link out", z: "t1", links: ["li"], x: 100, y: 400, wires: [] },
  { id: "li", type: "link in", z: "t2", x: 100, y: 400, wires: [] },
  { id: "t2", type: "tab", label: "Other" },
];

describe("Node-RED import", () => {
  const r = convertNodeRed(exportFile);

  it("makes one flow per tab and converts the nodes that have a counterpart", () => {
    expect(r.flows.map((f) => f.id)).toEqual(["sensors-flow", "other"]);
    const nodes = r.flows[0]!.nodes;
    expect(nodes.find((n) => n.id === "a_1")).toEqual({
      id: "a_1",
      type: "inject",
      name: "tick",
      config: { payloadType: "number", once: true, payload: 42, topic: "t", interval: "10s", onceDelay: "500ms" },
      wires: [["b_2"]],
      position: { x: 100, y: 80 },
    });
    // A search-and-replace rule has no change-node counterpart: the whole node becomes a function doing all three rules.
    expect(nodes.find((n) => n.id === "b_2")).toMatchObject({ type: "function", config: { outputs: 1 } });
    expect(nodes.find((n) => n.id === "c_3")!.config).toEqual({ property: "payload", checkAll: false, rules: [{ op: "gt", value: 5 }, { op: "else" }] });
    expect(nodes.find((n) => n.id === "d_4")!.config).toMatchObject({ property: "msg" });
    expect(nodes.find((n) => n.id === "h_5")!.config).toEqual({ method: "GET", path: "/api/x/:id" });
    expect(nodes.find((n) => n.id === "lo")!.config).toEqual({ links: ["other/li"] });
  });

  it("reports every node it could not convert by type, name and id, and drops wires to them", () => {
    expect(r.unsupported).toEqual([{ id: "u.9", type: "ui_gauge", name: "power gauge", flow: "sensors-flow" }]);
    expect(r.warnings).toContain('u.9: ui_gauge "power gauge" has no Wattflow counterpart and was not imported');
    expect(r.warnings.some((w) => w.includes("b.2: change node with rules on flow/global context or search and replace becomes a function node"))).toBe(true);
    expect(r.flows[0]!.nodes.find((n) => n.id === "b_2")!.wires).toEqual([["c_3"]]);
  });

  it("refuses something that is not an export", () => {
    expect(() => convertNodeRed({ nodes: [] })).toThrow("a Node-RED export is a JSON array of nodes");
  });
});

describe("Node-RED subflows", () => {
  it("gives the connection a subflow's node uses to every flow that uses the subflow, and reports what cannot be carried over", () => {
    const r = convertNodeRed([
      { id: "sf", type: "subflow", name: "Publish", in: [{ wires: [{ id: "p1" }] }], out: [], env: [{ name: "TOPIC", type: "str", value: "site/x" }, { name: "bad-name", type: "str", value: "" }] },
      { id: "p1", type: "mqtt out", z: "sf", topic: "${TOPIC}", broker: "mb", wires: [] },
      { id: "mb", type: "mqtt-broker", broker: "localhost", port: "1883" },
      { id: "a", type: "tab", label: "A" },
      { id: "b", type: "tab", label: "B" },
      { id: "ia", type: "subflow:sf", z: "a", env: [{ name: "TOPIC", type: "str", value: "site/a" }, { name: "OTHER", type: "str", value: "?" }], wires: [] },
      { id: "ib", type: "subflow:sf", z: "b", wires: [] },
    ]);
    for (const id of ["a", "b"]) {
      const f = r.flows.find((x) => x.id === id)!;
      expect(f.connections?.map((c) => [c.id, c.type])).toEqual([["mb", "mqtt-broker"]]);
      expect(f.subflows?.[0]).toMatchObject({ id: "sf", label: "Publish", params: { TOPIC: { type: "string", default: "site/x" } }, input: ["p1"], outputs: [] });
      expect(f.subflows?.[0]!.nodes[0]).toMatchObject({ type: "mqtt-out", config: { topic: "${TOPIC}", broker: "mb" } });
    }
    expect(r.flows.find((x) => x.id === "a")!.nodes[0]).toMatchObject({ type: "subflow:sf", config: { TOPIC: "site/a" } });
    expect(r.warnings).toEqual(expect.arrayContaining([expect.stringContaining('property "bad-name" is not a valid parameter name'), expect.stringContaining('ia: subflow instance sets "OTHER"')]));
  });
});
