/** A tiny registry for the flow module's tests: a source, a sink, a router with configured ports, a link. */
import { Type } from "@sinclair/typebox";
import { Connection, RAW_KEYWORD, Secret, defineConnection, defineNode } from "../../registry/define.js";
import { Registry } from "../../registry/registry.js";
import { compileFlow, formatIssue } from "../compile.js";
import type { CompiledFlow } from "../compiled.js";

export const registry = new Registry();

registry.registerNode(
  defineNode({
    type: "poll",
    category: "test",
    summary: "polls a device",
    config: Type.Object({
      interval: Type.String({ pattern: "^\\d+(ms|s|m|h|d)$", default: "60s" }),
      count: Type.Integer({ minimum: 1, default: 5 }),
      enabled: Type.Boolean({ default: true }),
      label: Type.Optional(Type.String()),
      broker: Type.Optional(Connection("mqtt-broker")),
      token: Type.Optional(Secret()),
      mode: Type.Union([Type.Literal("fast"), Type.Literal("slow")], { default: "slow" }),
    }),
    inputs: 0,
    outputs: ["out"],
    create: () => ({}),
  }),
);

registry.registerNode(
  defineNode({
    type: "publish",
    category: "test",
    summary: "publishes to a broker",
    config: Type.Object({ broker: Connection("mqtt-broker"), topic: Type.String({ minLength: 1 }), url: Type.Optional(Type.String({ format: "uri" })) }),
    inputs: 1,
    outputs: [],
    create: () => ({}),
  }),
);

registry.registerNode(defineNode({ type: "sink", category: "test", summary: "takes anything", config: Type.Object({}), inputs: 1, outputs: [], create: () => ({}) }));

registry.registerNode(
  defineNode({
    type: "route",
    category: "test",
    summary: "one output per rule",
    config: Type.Object({ rules: Type.Array(Type.String(), { default: ["a"] }), code: Type.Optional(Type.String({ [RAW_KEYWORD]: true })) }),
    inputs: 1,
    outputs: ["rule"],
    outputsFor: (config) => config.rules.map((r) => `rule ${r}`),
    create: () => ({}),
  }),
);

registry.registerNode(
  defineNode({
    type: "link-out",
    category: "test",
    summary: "sends to nodes without a drawn wire",
    config: Type.Object({ links: Type.Array(Type.String(), { default: [] }) }),
    inputs: 1,
    outputs: [],
    virtualWires: (config) => config.links,
    create: () => ({}),
  }),
);

registry.registerConnection(
  defineConnection({
    type: "mqtt-broker",
    summary: "an MQTT broker",
    config: Type.Object({ url: Type.String({ minLength: 1 }), password: Type.Optional(Secret()), keepalive: Type.Integer({ default: 30 }) }),
    create: () => ({ value: null }),
  }),
);
registry.registerConnection(defineConnection({ type: "influxdb", summary: "an InfluxDB server", config: Type.Object({ url: Type.String() }), create: () => ({ value: null }) }));

/** A format-1 document around the given nodes. */
export const doc = (nodes: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ format: "wattflow/flow@1", id: "solar", nodes, ...extra });

/** Compiles or throws with every issue, for tests that expect success. */
export function compiled(d: unknown, env: Record<string, string> = {}): CompiledFlow {
  const r = compileFlow(d, { registry, env });
  if (!r.ok) throw new Error(r.errors.map(formatIssue).join("\n"));
  return r.flow;
}

/** Compiles and returns the issues as formatted lines, for tests that expect failure. */
export function errorLines(d: unknown, env: Record<string, string> = {}, file?: string): string[] {
  const r = compileFlow(d, { registry, env, ...(file !== undefined ? { file } : {}) });
  if (r.ok) throw new Error("expected the flow to be refused");
  return r.errors.map(formatIssue);
}
