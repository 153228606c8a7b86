import { describe, expect, it } from "vitest";
import { compileFlow, redactSecrets, restoreRedactedSecrets, type FlowDocument } from "./index.js";
import { doc, registry } from "./__fixtures__/registry.js";

const flow = doc(
  [
    { id: "lit", type: "poll", config: { token: "hunter2" } },
    { id: "ref", type: "poll", config: { token: "${TOKEN}" } },
    { id: "dflt", type: "poll", config: { token: "${TOKEN2:-swordfish}" } },
    { id: "envd", type: "poll", config: { token: "Bearer ${FLOW_TOKEN}" } },
    { id: "none", type: "poll", config: { label: "hunter2" } },
  ],
  {
    env: { FLOW_TOKEN: "opensesame", SITE: "roof" },
    connections: [{ id: "b", type: "mqtt-broker", name: "Broker", config: { url: "mqtt://x", password: "letmein" } }],
  },
) as unknown as FlowDocument;

describe("secrets", () => {
  it("warns, without refusing, about every way a secret got into the file", () => {
    const r = compileFlow(flow, { registry, env: { TOKEN: "t", TOKEN2: "u" }, file: "solar.json" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map((w) => `${w.nodeId ?? "-"} ${w.pointer}: ${w.message}`)).toEqual([
      "- /env/FLOW_TOKEN: holds a secret (read by /nodes/3/config/token) written into the file; set FLOW_TOKEN in the environment instead",
      '- /connections/0/config/password: holds a secret written into the file; read it from the environment instead, e.g. "${PASSWORD}"',
      'lit /nodes/0/config/token: holds a secret written into the file; read it from the environment instead, e.g. "${TOKEN}"',
      'dflt /nodes/2/config/token: writes a secret into the file as the default of ${TOKEN2}; drop the ":-..." part and set TOKEN2 in the environment',
    ]);
    expect(r.warnings.every((w) => w.file === "solar.json" && w.flowId === "solar")).toBe(true);
  });

  it("masks secrets written into the file for API answers, keeping env references visible", () => {
    const before = structuredClone(flow);
    const red = redactSecrets(flow, registry);
    expect(red.nodes.map((n) => n.config?.token ?? n.config?.label)).toEqual(["***", "${TOKEN}", "${TOKEN2:-***}", "Bearer ${FLOW_TOKEN}", "hunter2"]);
    expect(red.connections![0]!.config).toEqual({ url: "mqtt://x", password: "***" });
    expect(red.env).toEqual({ FLOW_TOKEN: "***", SITE: "roof" });
    expect(JSON.stringify(red)).not.toMatch(/letmein|swordfish|opensesame/);
    expect(flow).toEqual(before); // a copy; the stored document is untouched
  });

  it("returns the same document when there is nothing to mask", () => {
    const clean = doc([{ id: "ref", type: "poll", config: { token: "${TOKEN}" } }]) as unknown as FlowDocument;
    expect(redactSecrets(clean, registry)).toBe(clean);
  });

  it("puts stored secrets back when a client saves what it was shown, keeping what it changed", () => {
    const shown = redactSecrets(flow, registry);
    const edited = structuredClone(shown);
    edited.nodes[0]!.config!.interval = "5s"; // an unrelated edit
    edited.connections![0]!.config!.password = "${MQTT_PASSWORD}"; // the user moved this one to the environment
    const saved = restoreRedactedSecrets(edited, flow, registry);
    expect(saved.nodes[0]!.config).toEqual({ token: "hunter2", interval: "5s" });
    expect(saved.nodes[2]!.config!.token).toBe("${TOKEN2:-swordfish}");
    expect(saved.env).toEqual({ FLOW_TOKEN: "opensesame", SITE: "roof" });
    expect(saved.connections![0]!.config!.password).toBe("${MQTT_PASSWORD}");
  });
});
