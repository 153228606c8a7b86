import { afterEach, describe, expect, it } from "vitest";
import { Type } from "@sinclair/typebox";
import { defineNode } from "../registry/define.js";
import { FlowRejected, startTestFlow, type TestFlow } from "../testing/index.js";
import { compileFlow } from "./compile.js";
import type { FlowNode, FlowSubflow } from "./types.js";

/** payload.value × factor. */
const scale = defineNode({
  type: "scale",
  category: "test",
  summary: "multiplies payload.value",
  config: Type.Object({ factor: Type.Number() }),
  inputs: 1,
  outputs: ["out"],
  create(_node, config) {
    return {
      input(msg, send, done) {
        const payload = msg.payload as { value: number };
        send({ ...msg, payload: { ...payload, value: payload.value * config.factor } });
        done();
      },
    };
  },
});

/** Adds `tags` to payload.tags; keeps its input otherwise. */
const tag = defineNode({
  type: "tag",
  category: "test",
  summary: "tags the payload",
  config: Type.Object({ tags: Type.Array(Type.String()), label: Type.String() }),
  inputs: 1,
  outputs: ["out"],
  create(_node, config) {
    return {
      input(msg, send, done) {
        send({ ...msg, payload: { ...(msg.payload as object), tags: config.tags, label: config.label } });
        done();
      },
    };
  },
});

/** Passes messages on unchanged (a fan-out point). */
const pass = defineNode({
  type: "pass",
  category: "test",
  summary: "passes messages on",
  config: Type.Object({}),
  inputs: 1,
  outputs: ["out"],
  create() {
    return {
      input(msg, send, done) {
        send(msg);
        done();
      },
    };
  },
});

const scaleAndTag: FlowSubflow = {
  id: "scale-and-tag",
  params: {
    factor: { type: "number", exclusiveMinimum: 0 },
    tags: { type: "array", items: { type: "string" }, default: ["scaled"] },
    site: { type: "string", default: "${SITE:-home}" },
  },
  input: ["scale"],
  outputs: [{ node: "tag" }],
  nodes: [
    { id: "scale", type: "scale", config: { factor: "${factor}" }, wires: [["tag"]] },
    { id: "tag", type: "tag", config: { tags: "${tags}", label: "×${factor} at ${site}" } },
  ],
};

const instance = (id: string, config: Record<string, unknown>, wires: string[][] = [[`${id}-out`]]): FlowNode => ({ id, type: "subflow:scale-and-tag", config, wires });

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const start = (nodes: FlowNode[], subflows: FlowSubflow[] = [scaleAndTag], env: Record<string, string> = {}): Promise<TestFlow> =>
  startTestFlow({ id: "plant", subflows, nodes }, { nodes: [scale, tag, pass], env });

describe("subflows", () => {
  it("three instances behave as three copies, each with its own parameters", async () => {
    t = await start(
      [
        { id: "in", type: "pass", wires: [["double", "triple", "tenfold"]] },
        instance("double", { factor: 2 }),
        instance("triple", { factor: 3, tags: ["b", "c"] }),
        instance("tenfold", { factor: "${TENFOLD}" }),
        { id: "double-out", type: "test-collect" },
        { id: "triple-out", type: "test-collect" },
        { id: "tenfold-out", type: "test-collect" },
      ],
      [scaleAndTag],
      { TENFOLD: "10", SITE: "lab" },
    );
    await t.injectTracked("in", { payload: { value: 1.5 } });
    const payloads = ["double-out", "triple-out", "tenfold-out"].map((id) => t!.received(id).map((m) => m.payload));
    expect(payloads).toEqual([
      [{ value: 3, tags: ["scaled"], label: "×2 at lab" }],
      [{ value: 4.5, tags: ["b", "c"], label: "×3 at lab" }],
      [{ value: 15, tags: ["scaled"], label: "×10 at lab" }],
    ]);
    // Each instance is its own set of nodes, named after it, wired through.
    const result = compileFlow(
      { format: "wattflow/flow@1", id: "plant", subflows: [scaleAndTag], nodes: [instance("a", { factor: 1 }), { id: "a-out", type: "test-collect" }] },
      { registry: t.registry, env: {} },
    );
    expect(result.ok && result.flow.nodes.map((n) => [n.id, n.name, n.wires])).toEqual([
      ["a.scale", "a: scale", [["a.tag"]]],
      ["a.tag", "a: tag", [["a-out"]]],
      ["a-out", undefined, []],
    ]);
    // What is stored and shown is the document as written.
    expect(result.ok && result.flow.document.nodes.map((n) => n.id)).toEqual(["a", "a-out"]);
  });

  it("refuses bad parameters, naming the instance and the parameter", async () => {
    const refused = await start([instance("double", { factor: 2 }), instance("broken", { factor: -1, colour: "red" }), { id: "double-out", type: "test-collect" }, { id: "broken-out", type: "test-collect" }]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(FlowRejected);
    const lines = (refused as FlowRejected).message.split("\n").slice(1);
    expect(lines).toEqual(["plant/broken /nodes/1/config/colour: is not a known property here", "plant/broken /nodes/1/config/factor: must be > 0 (got -1)"]);
  });

  it("names the instance and the inner node when a parameter breaks an inner node; refuses wires that leave a subflow and unknown subflows", async () => {
    const untyped: FlowSubflow = { ...scaleAndTag, id: "untyped", params: { factor: {} } };
    const leaky: FlowSubflow = { ...scaleAndTag, id: "leaky", nodes: [scaleAndTag.nodes[0]!, { ...scaleAndTag.nodes[1]!, wires: [["elsewhere"]] }] };
    const refused = await start(
      [
        { id: "u", type: "subflow:untyped", config: { factor: "many" } },
        { id: "l", type: "subflow:leaky", config: { factor: 1 } },
        { id: "x", type: "subflow:nowhere" },
        { id: "x", type: "pass" },
      ],
      [scaleAndTag, untyped, leaky],
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    const message = (refused as FlowRejected).message;
    expect(message).toMatch(/plant\/u\.scale \/subflows\/1\/nodes\/0\/config\/factor: must be number/);
    expect(message).toMatch(/plant \/subflows\/2\/nodes\/1\/wires\/0\/0: subflow "leaky": node "tag" wires to "elsewhere", which is not in the subflow/);
    expect(message).toMatch(/plant\/x \/nodes\/2\/id: duplicate node id "x"/);
    expect(message).toMatch(/plant\/x \/nodes\/2\/type: unknown subflow "nowhere" \(this flow defines: scale-and-tag, untyped, leaky\)/);
  });
});
