import { describe, expect, it } from "vitest";
import { compileFlow, formatIssue, hashDocument, canonicalJson } from "./index.js";
import { compiled, doc, errorLines, registry } from "./__fixtures__/registry.js";

const broker = { id: "b", type: "mqtt-broker", config: { url: "mqtt://localhost" } };

describe("compileFlow: a good flow", () => {
  it("applies schema defaults, the default queue and resolves connections", () => {
    const flow = compiled(doc([{ id: "p", type: "poll", config: { broker: "b" }, wires: [["s"]] }, { id: "s", type: "sink" }], { connections: [broker] }));
    expect(flow.nodes[0]).toMatchObject({
      id: "p",
      config: { interval: "60s", count: 5, enabled: true, mode: "slow", broker: "b" },
      queue: { size: 10_000, policy: "block" },
      wires: [["s"]],
      ports: ["out"],
      connections: ["b"],
      disabled: false,
    });
    expect(flow.connections[0]).toMatchObject({ id: "b", config: { url: "mqtt://localhost", keepalive: 30 } });
    expect(flow.label).toBe("solar");
  });

  it("coerces values from the environment to the declared type, and only there where a type is declared", () => {
    const d = doc([{ id: "p", type: "poll", config: { count: "${N}", enabled: "${ON}", label: "${SITE}" } }], { env: { N: "7", SITE: "007" } });
    const flow = compiled(d, { ON: "false" });
    expect(flow.nodes[0]!.config).toMatchObject({ count: 7, enabled: false, label: "007" });
    expect(flow.env).toEqual({ N: "7", SITE: "007", ON: "false" });
    // The document keeps its references: it is what is stored and shown.
    expect(flow.document.nodes[0]!.config).toEqual({ count: "${N}", enabled: "${ON}", label: "${SITE}" });
  });

  it("keeps queue settings and tolerates trailing empty ports (Node-RED exports have them)", () => {
    const flow = compiled(doc([{ id: "p", type: "poll", queue: { size: 5, policy: "drop-oldest" }, wires: [["s"], []] }, { id: "s", type: "sink" }]));
    expect(flow.nodes[0]).toMatchObject({ queue: { size: 5, policy: "drop-oldest" }, wires: [["s"]] });
  });

  it("allows wires and links into other flows (flow/node), resolved at run time", () => {
    const flow = compiled(doc([{ id: "l", type: "link-out", config: { links: ["other/in"] }, wires: [] }, { id: "p", type: "poll", wires: [["other/in", "l"]] }]));
    expect(flow.nodes[1]!.wires).toEqual([["other/in", "l"]]);
  });

  it("counts ports from the config for types whose outputs are configured", () => {
    const flow = compiled(doc([{ id: "r", type: "route", config: { rules: ["a", "b"] }, wires: [["s"], ["s"]] }, { id: "s", type: "sink" }]));
    expect(flow.nodes[0]!.ports).toEqual(["rule a", "rule b"]);
  });

  it("keeps ${...} in fields marked raw, and interpolates the others", () => {
    const flow = compiled(doc([{ id: "r", type: "route", config: { rules: ["${RULE}"], code: "return `${msg.payload}`" } }]), { RULE: "x" });
    expect(flow.nodes[0]!.config).toEqual({ rules: ["x"], code: "return `${msg.payload}`" });
  });

  it("hashes nodes by what a restart depends on, whatever the key order", () => {
    const a = compiled(doc([{ id: "p", type: "poll", config: { count: 2, interval: "1s" }, position: { x: 1, y: 1 } }]));
    const b = compiled({ nodes: [{ config: { interval: "1s", count: 2 }, type: "poll", id: "p", position: { x: 9, y: 9 } }], id: "solar", format: "wattflow/flow@1" });
    expect(b.nodes[0]!.hash).toBe(a.nodes[0]!.hash);
    expect(b.hash).not.toBe(a.hash); // the flow hash covers the whole document, position included
    const c = compiled(doc([{ id: "p", type: "poll", config: { count: "${N}", interval: "1s" } }]), { N: "3" });
    expect(c.nodes[0]!.hash).not.toBe(a.nodes[0]!.hash); // a changed variable restarts the node
  });
});

describe("compileFlow: a bad flow", () => {
  it("reports every problem of a file at once, in document order, each with flow, node and pointer", () => {
    const bad = doc(
      [
        { id: "p", type: "poll", config: { interval: "soon", count: 0, mode: "turbo", broker: "nope" }, wires: [["ghost"]] },
        { id: "p", type: "sink" },
        { id: "q", type: "mystery" },
        { id: "r", type: "poll", config: { broker: "influx" }, extra: 1 },
        { id: "u", type: "publish", config: { broker: "", topic: "" }, queue: { size: 0, policy: "drop-all" } },
        { id: "w", type: "sink", wires: [["p"]] },
        { id: "bad id", type: "sink" },
      ],
      { connections: [{ id: "influx", type: "influxdb", config: { url: "http://x" } }, { id: "kafka", type: "kafka-cluster" }, { id: "influx", type: "influxdb" }] },
    );
    expect(errorLines(bad, {}, "solar.json")).toEqual([
      'solar.json: solar /connections/1/type: unknown connection type "kafka-cluster" (known: influxdb, mqtt-broker)',
      'solar.json: solar /connections/2/id: duplicate connection id "influx"',
      "solar.json: solar /connections/2/config/url: is required",
      'solar.json: solar/p /nodes/0/config/interval: must match ^\\d+(ms|s|m|h|d)$ (got "soon")',
      "solar.json: solar/p /nodes/0/config/count: must be >= 1 (got 0)",
      'solar.json: solar/p /nodes/0/config/mode: must be one of "fast", "slow" (got "turbo")',
      'solar.json: solar/p /nodes/0/config/broker: must name a mqtt-broker connection of this flow (no connection "nope"; this flow has no mqtt-broker connection)',
      'solar.json: solar/p /nodes/0/wires/0/0: points at node "ghost", which is not in this flow',
      'solar.json: solar/p /nodes/1/id: duplicate node id "p"',
      'solar.json: solar/q /nodes/2/type: unknown node type "mystery" (known: link-out, poll, publish, route, sink)',
      "solar.json: solar/r /nodes/3/extra: is not a known property here",
      'solar.json: solar/r /nodes/3/config/broker: must name a mqtt-broker connection ("influx" is of type influxdb; this flow has no mqtt-broker connection)',
      "solar.json: solar/u /nodes/4/queue/size: must be >= 1 (got 0)",
      'solar.json: solar/u /nodes/4/queue/policy: must be one of "block", "drop-oldest", "drop-newest" (got "drop-all")',
      "solar.json: solar/u /nodes/4/config/topic: must not be empty (got \"\")",
      'solar.json: solar/u /nodes/4/config/broker: must name a mqtt-broker connection of this flow (got ""; this flow has no mqtt-broker connection)',
      "solar.json: solar/w /nodes/5/wires: has 1 output port wired but sink has none",
      'solar.json: solar/w /nodes/5/wires/0/0: wires to "p", a poll node, which has no input',
      'solar.json: solar/bad id /nodes/6/id: must match ^[A-Za-z0-9][A-Za-z0-9_-]*$ (got "bad id")',
    ]);
  });

  it("suggests the type that was probably meant", () => {
    expect(errorLines(doc([{ id: "p", type: "pol" }]))).toEqual(['solar/p /nodes/0/type: unknown node type "pol" (did you mean "poll"?)']);
    expect(errorLines(doc([], { connections: [{ id: "m", type: "mqtt-brokr" }] }))).toEqual(['solar /connections/0/type: unknown connection type "mqtt-brokr" (did you mean "mqtt-broker"?)']);
  });

  it("names the connections a reference could have meant", () => {
    const lines = errorLines(doc([{ id: "u", type: "publish", config: { broker: "bb", topic: "t" } }], { connections: [broker] }));
    expect(lines).toEqual(['solar/u /nodes/0/config/broker: must name a mqtt-broker connection of this flow (no connection "bb"; mqtt-broker connections here: b)']);
  });

  it("refuses wires beyond the type's outputs, counting configured ports", () => {
    expect(errorLines(doc([{ id: "a", type: "poll", wires: [["s"], ["s"]] }, { id: "s", type: "sink" }]))).toEqual([
      "solar/a /nodes/0/wires: has 2 output ports wired but poll has 1 (out)",
    ]);
    expect(errorLines(doc([{ id: "r", type: "route", config: { rules: ["x"] }, wires: [["s"], ["s"]] }, { id: "s", type: "sink" }]))).toEqual([
      "solar/r /nodes/0/wires: has 2 output ports wired but route has 1 (rule x)",
    ]);
  });

  it("checks virtual wire targets", () => {
    expect(errorLines(doc([{ id: "l", type: "link-out", config: { links: ["gone"] } }]))).toEqual(['solar/l /nodes/0/config: links to node "gone", which is not in this flow']);
  });

  it("names an unset variable once, at its pointer, without a second complaint about the placeholder", () => {
    expect(errorLines(doc([{ id: "p", type: "poll", config: { interval: "${INTERVAL}", broker: "${BROKER}" } }]))).toEqual([
      "solar/p /nodes/0/config/interval: environment variable INTERVAL is not set and the flow's env gives no default (write ${INTERVAL:-value} for one)",
      "solar/p /nodes/0/config/broker: environment variable BROKER is not set and the flow's env gives no default (write ${BROKER:-value} for one)",
    ]);
  });

  it("reports values from the environment that do not fit the schema", () => {
    expect(errorLines(doc([{ id: "p", type: "poll", config: { count: "${N}" } }]), { N: "many" })).toEqual(['solar/p /nodes/0/config/count: must be integer (got "many")']);
  });

  it("checks formats (ajv-formats)", () => {
    expect(errorLines(doc([{ id: "u", type: "publish", config: { broker: "b", topic: "t", url: "not a uri" } }], { connections: [broker] }))).toEqual([
      'solar/u /nodes/0/config/url: must match format "uri" (got "not a uri")',
    ]);
  });

  it("does not pile config errors on a config that is not an object", () => {
    expect(errorLines(doc([{ id: "u", type: "publish", config: "broker=b" }]))).toEqual(['solar/u /nodes/0/config: must be object (got "broker=b")']);
  });

  it("refuses what is not a flow document at all", () => {
    expect(errorLines([1, 2])).toEqual(["/: a flow file must hold a JSON object (got an array)"]);
    expect(errorLines({ format: "wattflow/flow@1" })).toEqual(["/id: is required", "/nodes: is required"]);
  });

  it("formats an issue as one line", () => {
    expect(formatIssue({ file: "solar.json", flowId: "solar", nodeId: "poll", pointer: "/nodes/0/config/interval", message: "must match x" })).toBe(
      "solar.json: solar/poll /nodes/0/config/interval: must match x",
    );
    expect(formatIssue({ pointer: "", message: "not valid JSON" })).toBe("/: not valid JSON");
  });

  it("carries the file into every issue", () => {
    const r = compileFlow(doc([{ id: "q", type: "mystery" }]), { registry, env: {}, file: "flows/solar.json" });
    expect(!r.ok && r.errors).toEqual([{ file: "flows/solar.json", flowId: "solar", nodeId: "q", pointer: "/nodes/0/type", message: expect.stringContaining("mystery") }]);
  });
});

describe("hashes", () => {
  it("are stable under key order and differ with content", () => {
    expect(hashDocument({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(hashDocument({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(hashDocument({ a: 1 })).not.toBe(hashDocument({ a: 2 }));
    expect(hashDocument([1, 2])).not.toBe(hashDocument([2, 1])); // arrays keep their order
    expect(canonicalJson({ b: 1, a: { d: undefined, c: "x" } })).toBe('{"a":{"c":"x"},"b":1}');
  });

  it("keep the values earlier versions computed (revisions compare them)", () => {
    const d = {
      id: "pinned",
      label: "Pinned ✓",
      nodes: [
        { id: "b", type: "inject", config: { interval: "1s", payload: { z: [1, 2.5, null, true], a: 'x"y\n' } }, wires: [["a"]] },
        { id: "a", type: "debug", config: { unused: undefined } },
      ],
      env: { Z: "1", a: "2", é: "3" },
    };
    expect(canonicalJson(d)).toBe(
      '{"env":{"Z":"1","a":"2","é":"3"},"id":"pinned","label":"Pinned ✓","nodes":[{"config":{"interval":"1s","payload":{"a":"x\\"y\\n","z":[1,2.5,null,true]}},"id":"b","type":"inject","wires":[["a"]]},{"config":{},"id":"a","type":"debug"}]}',
    );
    expect(hashDocument(d)).toBe("12c3ad4b695c42435d008a4c11f10f8adef3a656a9c8f4cd11767057b608612c");
    expect(canonicalJson([undefined, () => 1, Number.NaN, [, 2]])).toBe("[null,null,null,[,2]]");
  });

  it("give a compiled flow the hash of its document", () => {
    const d = doc([{ id: "p", type: "poll" }]);
    expect(compiled(d).hash).toBe(hashDocument(d));
  });
});

describe("compileFlow: raw fields", () => {
  it("leaves ${...} in a raw field alone: no unset-variable errors, the text kept as written", () => {
    const code = "return `${msg.topic}: ${n}`;";
    const flow = compiled(doc([{ id: "r", type: "route", config: { code, rules: ["${R}"] } }], { env: { R: "x" } }));
    expect(flow.nodes[0]!.config).toMatchObject({ code, rules: ["x"] });
  });
});
