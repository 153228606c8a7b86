/**
 * The Node-RED export corpus (`__fixtures__/*.json`, written in Node-RED's
 * export format): every export converts to flows that the real registry of
 * @wattflow/nodes accepts, and the simple ones run end to end.
 */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { connections, nodes } from "@wattflow/nodes";
import { Registry } from "../../registry/registry.js";
import { compileFlow, formatIssue } from "../index.js";
import { startTestFlow, type TestFlow } from "../../testing/index.js";
import type { FlowDocument } from "../types.js";
import { convertNodeRed, type NodeRedImport } from "./convert.js";

const dir = fileURLToPath(new URL("./__fixtures__/", import.meta.url));
const corpus = readdirSync(dir).filter((f) => f.endsWith(".json"));
const load = (file: string): NodeRedImport => convertNodeRed(JSON.parse(readFileSync(dir + file, "utf8")));

const registry = new Registry();
for (const n of nodes) registry.registerNode(n, "@wattflow/nodes");
for (const c of connections) registry.registerConnection(c, "@wattflow/nodes");

const flow = (r: NodeRedImport, id: string): FlowDocument => {
  const found = r.flows.find((f) => f.id === id);
  if (!found) throw new Error(`no flow ${id} in ${r.flows.map((f) => f.id).join(", ")}`);
  return found;
};
const node = (f: FlowDocument, id: string) => f.nodes.find((n) => n.id === id)!;

/** Runs one imported flow; `go` fires its inject nodes; resolves with the debug events of the node `debugId`. */
async function run(doc: FlowDocument, go: (t: TestFlow) => Promise<void>, debugId: string, after?: (t: TestFlow) => void | Promise<void>): Promise<unknown[]> {
  const t = await startTestFlow(doc, { nodes, connections, flowId: doc.id });
  try {
    await go(t);
    const seen = () => t.events.filter((e) => e.type === "debug" && e.nodeId === debugId);
    const until = Date.now() + 3000;
    while (seen().length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await after?.(t);
    return seen().map((e) => (e.type === "debug" ? e.msg : undefined));
  } finally {
    await t.stop();
  }
}

describe("Node-RED export corpus", () => {
  it("has the exports the import is tested on", async () => {
    expect(corpus).toEqual(expect.arrayContaining(["dashboard.json", "http-template.json", "inject-change-switch.json", "link-nodes.json", "mqtt-influx.json", "multi-tab.json", "subflow.json"]));
  });

  it.each(corpus)("%s converts to flows that pass validation against @wattflow/nodes", (file) => {
    const r = load(file);
    expect(r.flows.length).toBeGreaterThan(0);
    for (const doc of r.flows) {
      const result = compileFlow(doc, { registry, env: {} });
      expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
    }
  });

  it("mqtt in → json → function → influxdb out: config nodes become connections with credentials from the environment", async () => {
    const f = flow(load("mqtt-influx.json"), "meter-to-influxdb");
    expect(f.connections).toEqual([
      {
        id: "b0b0b0b0b0b0b0b0",
        type: "mqtt-broker",
        name: "home broker",
        config: {
          url: "mqtts://broker.local:8883",
          clientId: "nodered-meter",
          clean: false,
          username: "${MQTT_USERNAME:-}",
          password: "${MQTT_PASSWORD:-}",
          protocolVersion: 4,
          keepalive: 60,
          tls: { ca: "/etc/ssl/home-ca.pem", cert: "", key: "", rejectUnauthorized: true },
          will: { topic: "home/meter/status", payload: "offline", qos: 1, retain: true },
        },
      },
      {
        id: "c0c0c0c0c0c0c0c0",
        type: "influxdb",
        name: "energy db",
        config: { version: "v1", url: "http://influx.local:8086", database: "energy", username: "${INFLUX_USERNAME:-}", password: "${INFLUX_PASSWORD:-}" },
      },
    ]);
    expect(node(f, "a1b2c3d4e5f60001")).toMatchObject({ type: "mqtt-in", config: { topic: "home/meter/+/power", qos: 1, broker: "b0b0b0b0b0b0b0b0" } });
    expect(node(f, "a1b2c3d4e5f60004")).toMatchObject({ type: "influx-write", config: { server: "c0c0c0c0c0c0c0c0", measurement: "power" } });
    expect(node(f, "a1b2c3d4e5f60005").config).toMatchObject({ property: "payload" });
  });

  it("a function that changes msg in place runs on a copy and sends what it changed", async () => {
    const f = flow(load("mqtt-influx.json"), "meter-to-influxdb");
    const fn = node(f, "a1b2c3d4e5f60003");
    const doc: FlowDocument = {
      ...f,
      connections: [],
      nodes: [
        { id: "go", type: "inject", config: { payloadType: "json", payload: { power: "1500", voltage: "231" } }, wires: [[fn.id]] },
        { ...fn, wires: [["out"]] },
        { id: "out", type: "debug", config: { property: "msg" } },
      ],
    };
    const [msg] = await run(doc, async (t) => void (await t.engine.trigger(doc.id, "go")), "out");
    expect(msg).toMatchObject({ payload: { watts: 1500, volts: 231 }, measurement: "power" });
  });

  it("http in → template → http response: the page is rendered from the request, escaped where mustache escapes", async () => {
    const r = load("http-template.json");
    const f = flow(r, "status-page");
    expect(node(f, "h2")).toMatchObject({ type: "template", config: { syntax: "mustache", output: "text", property: "payload" } });
    const t = await startTestFlow(f, { nodes, connections, flowId: f.id });
    try {
      const reply = await t.request("GET", "/status/a<b");
      expect(reply.status).toBe(200);
      expect(reply.body).toBe("<h1>Site a&lt;b</h1>\n<p> </p>");
    } finally {
      await t.stop();
    }
  });

  it("inject → change (flow context, search and replace) → change → switch → debug runs; the comment is kept", async () => {
    const r = load("inject-change-switch.json");
    const f = flow(r, "thresholds");
    expect(node(f, "c1").type).toBe("function");
    expect(node(f, "c2")).toMatchObject({ type: "change", config: { rules: [{ action: "move", path: "payload.temp", to: "temperature" }, { action: "set", path: "checked", value: true, valueType: "boolean" }] } });
    expect(node(f, "k1")).toMatchObject({ type: "comment", name: "Boiler alarm" });
    expect(node(f, "d2").config).toMatchObject({ property: "payload" });
    const hot = await run(
      f,
      async (t) => {
        await t.store.context.set(`flow:${f.id}`, "limit", { max: 70 });
        await t.engine.trigger(f.id, "i1");
      },
      "d1",
      async (t) => expect(await t.store.context.get(`flow:${f.id}`, "seen")).toBe(72),
    );
    expect(hot[0]).toMatchObject({ topic: "heater", limit: { max: 70 }, unit: "C", temperature: 72, checked: true });
  });

  it("change and switch rules written in JSONata carry over and run with the same $env binding", async () => {
    const r = load("jsonata-rules.json");
    expect(r.warnings).toEqual([]);
    const f = flow(r, "amps");
    expect(node(f, "j2").config).toEqual({
      rules: [
        { action: "set", path: "payload.amps", value: "$round(payload.watts / payload.volts, 2)", valueType: "jsonata" },
        { action: "set", path: "site", value: "$env('SITE_NAME')", valueType: "jsonata" },
      ],
    });
    expect(node(f, "j3").config).toMatchObject({ rules: [{ op: "jsonata", value: "(payload.amps > 5) = true" }, { op: "else" }] });
    const doc: FlowDocument = { ...f, env: { SITE_NAME: "barn" } };
    const high = await run(doc, async (t) => void (await t.engine.trigger(doc.id, "j1")), "j4");
    expect(high).toEqual([expect.objectContaining({ payload: { watts: 1500, volts: 230, amps: 6.52 }, site: "barn" })]);
  });

  it("link out → link in → http request → debug: wires, links and headers carried over", async () => {
    const f = flow(load("link-nodes.json"), "links");
    expect(node(f, "l2")).toMatchObject({ type: "link-out", config: { links: ["l3"] } });
    expect(node(f, "l4")).toMatchObject({ type: "http-request", config: { method: "POST", url: "http://localhost:9/echo", headers: { "X-Site": "home" } } });
    expect(node(f, "l3").wires).toEqual([["l4"]]);
  });

  it("link out → link in delivers within the flow", async () => {
    const f = flow(load("link-nodes.json"), "links");
    const doc: FlowDocument = { ...f, nodes: f.nodes.map((n) => (n.id === "l2" ? { ...n, config: { links: ["l6"] } } : n)) };
    const got = await run(doc, async (t) => void (await t.engine.trigger(doc.id, "l1")), "l7");
    expect(got).toEqual([5]);
  });

  it("a multi-tab export becomes one flow per tab, each with the connections it uses, links across flows", async () => {
    const r = load("multi-tab.json");
    expect(r.flows.map((f) => f.id)).toEqual(["collect", "report", "collect-2"]);
    expect(node(flow(r, "collect"), "m2").config).toEqual({ links: ["report/m3"] });
    const broker = { id: "mb1", type: "mqtt-broker", config: expect.objectContaining({ url: "mqtt://10.0.0.5:1884", clean: true, protocolVersion: 5 }) };
    expect(flow(r, "collect").connections).toEqual([broker]);
    expect(flow(r, "collect-2").connections).toEqual([broker]);
    expect(flow(r, "report").connections).toBeUndefined();
    expect(r.warnings.some((w) => w.includes("birth message"))).toBe(true);
  });

  it("a subflow becomes a Wattflow subflow: env properties as typed parameters, instances overriding them, a pass-through output; it runs", async () => {
    const r = load("subflow.json");
    expect(r.unsupported).toEqual([]);
    const f = flow(r, "meters");
    expect(f.subflows).toHaveLength(1);
    const sub = f.subflows![0]!;
    expect(sub).toMatchObject({
      id: "5f1d2c3b4a596877",
      label: "Scale reading",
      description: "Multiplies a meter reading and labels its unit.",
      params: { FACTOR: { type: "number", default: 2 }, UNIT: { type: "string", default: "W" } },
      input: ["5f1d2c3b4a590001", "passthrough"],
      outputs: [{ node: "5f1d2c3b4a590002", port: 0 }, { node: "passthrough", port: 0 }],
    });
    // A change rule reading env takes the parameter, typed.
    expect(sub.nodes.find((n) => n.id === "5f1d2c3b4a590001")!.config).toEqual({
      rules: [
        { action: "set", path: "unit", value: "${UNIT}", valueType: "string" },
        { action: "set", path: "factor", value: "${FACTOR}", valueType: "number" },
      ],
    });
    expect(node(f, "9a8b7c6d5e4f0003")).toMatchObject({ type: "subflow:5f1d2c3b4a596877", config: { FACTOR: 0.001, UNIT: "kW" }, wires: [["9a8b7c6d5e4f0005"], ["9a8b7c6d5e4f0006"]] });
    expect(node(f, "9a8b7c6d5e4f0002").config).toEqual({});

    const t = await startTestFlow(f, { nodes, connections, flowId: f.id });
    try {
      await t.engine.trigger(f.id, "9a8b7c6d5e4f0001");
      const of = (id: string) => t.events.flatMap((e) => (e.type === "debug" && e.nodeId === id ? [e.msg] : []));
      const until = Date.now() + 3000;
      while ((of("9a8b7c6d5e4f0004").length < 1 || of("9a8b7c6d5e4f0005").length < 1 || of("9a8b7c6d5e4f0006").length < 1) && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
      expect(of("9a8b7c6d5e4f0004")).toEqual([expect.objectContaining({ payload: 3000, unit: "W", factor: 2 })]);
      expect(of("9a8b7c6d5e4f0005")).toEqual([expect.objectContaining({ payload: 1.5, unit: "kW" })]);
      expect(of("9a8b7c6d5e4f0006")).toEqual([1500]);
    } finally {
      await t.stop();
    }
  });

  it("dashboard ui_* nodes are listed as not imported, with a note saying why, and their wires dropped", async () => {
    const r = load("dashboard.json");
    expect(r.unsupported.map((u) => u.type).sort()).toEqual(["ui_base", "ui_chart", "ui_gauge", "ui_group", "ui_tab"]);
    expect(r.warnings.some((w) => /5 Node-RED Dashboard node\(s\) \(ui_\*\) were not imported/.test(w))).toBe(true);
    const f = flow(r, "dashboard");
    expect(node(f, "u1").wires).toEqual([[]]);
    expect(node(f, "u4").config).toMatchObject({ property: "payload", toEvents: false });
  });
});
