import { describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import { flowFileJsonSchema } from "./index.js";

describe("flow file JSON Schema", () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(flowFileJsonSchema());

  it("is plain JSON that accepts the design's example", () => {
    const schema = flowFileJsonSchema();
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    const example = {
      format: "wattflow/flow@1",
      id: "solar",
      label: "Solar charge controller",
      env: { MODBUS_URL: "tcp://127.0.0.1:5020" },
      connections: [{ id: "epever", type: "modbus-device", config: { url: "${MODBUS_URL}", unitId: 1 } }],
      nodes: [{ id: "poll", type: "modbus-read", config: { device: "epever", interval: "60s" }, wires: [["live", "store"]], position: { x: 120, y: 80 }, queue: { size: 100, policy: "drop-oldest" } }],
    };
    expect(validate(example)).toBe(true);
  });

  it("refuses unknown properties at every level but config", () => {
    const bad = (d: unknown): boolean => !validate(d);
    const node = { id: "n", type: "t" };
    expect(bad({ format: "wattflow/flow@1", id: "x", nodes: [], extra: 1 })).toBe(true);
    expect(bad({ format: "wattflow/flow@1", id: "x", nodes: [{ ...node, extra: 1 }] })).toBe(true);
    expect(bad({ format: "wattflow/flow@1", id: "x", nodes: [{ ...node, position: { x: 1, y: 2, z: 3 } }] })).toBe(true);
    expect(bad({ format: "wattflow/flow@1", id: "x", nodes: [{ ...node, queue: { size: 1, burst: 2 } }] })).toBe(true);
    expect(bad({ format: "wattflow/flow@1", id: "x", nodes: [], connections: [{ id: "c", type: "t", extra: 1 }] })).toBe(true);
    expect(validate({ format: "wattflow/flow@1", id: "x", nodes: [{ ...node, config: { anything: { goes: [1] } } }] })).toBe(true);
  });

  it("bounds the queue and the ids", () => {
    const withQueue = (queue: unknown) => ({ format: "wattflow/flow@1", id: "x", nodes: [{ id: "n", type: "t", queue }] });
    expect(validate(withQueue({ size: 0 }))).toBe(false);
    expect(validate(withQueue({ size: 10_000_001 }))).toBe(false);
    expect(validate(withQueue({ size: 1.5 }))).toBe(false);
    expect(validate(withQueue({ policy: "drop-all" }))).toBe(false);
    expect(validate(withQueue({ size: 10_000_000, policy: "block" }))).toBe(true);
    expect(validate({ format: "wattflow/flow@1", id: "-x", nodes: [] })).toBe(false);
    expect(validate({ format: "wattflow/flow@1", id: "x", nodes: [{ id: "a/b", type: "t" }] })).toBe(false);
  });
});
