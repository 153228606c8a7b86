import { describe, expect, it } from "vitest";
import { diffDocuments, diffFlows, type FlowDocument } from "./index.js";
import { compiled, doc } from "./__fixtures__/registry.js";

type Doc = FlowDocument;
const base = doc(
  [
    { id: "a", type: "poll", config: { broker: "b" }, wires: [["s"]], position: { x: 0, y: 0 } },
    { id: "c", type: "poll", wires: [["s"]], position: { x: 0, y: 100 } },
    { id: "s", type: "sink" },
    { id: "u", type: "publish", config: { broker: "b2", topic: "t" } },
  ],
  {
    label: "Solar",
    connections: [
      { id: "b", type: "mqtt-broker", config: { url: "mqtt://one" } },
      { id: "b2", type: "mqtt-broker", config: { url: "mqtt://two" } },
    ],
  },
) as unknown as Doc;
const edit = (change: (d: Doc) => void): Doc => {
  const d = structuredClone(base);
  change(d);
  return d;
};
/** Both diffs, which must agree on these cases. */
const both = (next: Doc, env: Record<string, string> = {}) => {
  const fromFlows = diffFlows(compiled(base, env), compiled(next, env));
  expect(diffDocuments(base, next)).toEqual(fromFlows);
  return fromFlows;
};
const none = { added: [], removed: [], changed: [], rewired: [], connections: { added: [], removed: [], changed: [] }, restartedByConnection: [], flowChanged: false };

describe("diff", () => {
  it("finds nothing between equal flows", () => {
    expect(both(structuredClone(base))).toEqual(none);
  });

  it("calls a wiring-only or position-only change rewired, not changed", () => {
    const d = both(edit((d) => {
      d.nodes[0]!.wires = [[]];
      d.nodes[1]!.position = { x: 50, y: 50 };
    }));
    expect(d).toEqual({ ...none, rewired: ["a", "c"] });
  });

  it("calls a config, name, queue or disabled change changed", () => {
    const d = both(edit((d) => {
      d.nodes[0]!.config = { broker: "b", count: 9 };
      d.nodes[1]!.name = "Meter";
      d.nodes[2]!.queue = { policy: "drop-oldest" };
      d.nodes[3]!.disabled = true;
    }));
    expect(d).toEqual({ ...none, changed: ["a", "c", "s", "u"] });
  });

  it("sees added and removed nodes", () => {
    const d = both(edit((d) => {
      d.nodes = d.nodes.filter((n) => n.id !== "s");
      d.nodes.push({ id: "s2", type: "sink" });
      d.nodes[0]!.wires = [["s2"]];
      d.nodes[1]!.wires = [["s2"]];
    }));
    expect(d).toEqual({ ...none, added: ["s2"], removed: ["s"], rewired: ["a", "c"] });
  });

  it("restarts the users of a changed or removed connection, and only them", () => {
    const changed = both(edit((d) => (d.connections![0]!.config = { url: "mqtt://three" })));
    expect(changed).toEqual({ ...none, connections: { added: [], removed: [], changed: ["b"] }, restartedByConnection: ["a"] });
    // A user that changed itself is listed once, as changed.
    const also = both(edit((d) => {
      d.connections![0]!.config = { url: "mqtt://three" };
      d.nodes[0]!.config = { broker: "b", count: 2 };
    }));
    expect(also).toMatchObject({ changed: ["a"], restartedByConnection: [] });
    // Renaming a connection is a label change: nothing restarts.
    expect(both(edit((d) => (d.connections![0]!.name = "Main broker")))).toEqual(none);
  });

  it("sees connections added and removed, with the nodes moved onto them", () => {
    const d = both(edit((d) => {
      d.connections = [d.connections![0]!, { id: "b3", type: "mqtt-broker", config: { url: "mqtt://two" } }];
      d.nodes[3]!.config = { broker: "b3", topic: "t" };
    }));
    expect(d).toEqual({ ...none, changed: ["u"], connections: { added: ["b3"], removed: ["b2"], changed: [] } });
  });

  it("notices label, description and env changes", () => {
    expect(both(edit((d) => (d.label = "Solar 2")))).toEqual({ ...none, flowChanged: true });
    expect(both(edit((d) => (d.env = { SITE: "roof" })))).toEqual({ ...none, flowChanged: true });
  });

  it("restarts nodes whose interpolated config changed when the environment did (compiled diff only)", () => {
    const withVar = edit((d) => (d.nodes[1]!.config = { interval: "${EVERY}" }));
    const d = diffFlows(compiled(withVar, { EVERY: "1s" }), compiled(withVar, { EVERY: "2s" }));
    expect(d).toEqual({ ...none, changed: ["c"] });
  });

  it("treats everything as added on a first deploy", () => {
    expect(diffFlows(undefined, compiled(base))).toEqual({ ...none, added: ["a", "c", "s", "u"], connections: { added: ["b", "b2"], removed: [], changed: [] } });
  });
});
