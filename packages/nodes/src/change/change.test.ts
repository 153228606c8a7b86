import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import change from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const run = async (rules: unknown[], input: Record<string, unknown>, env: Record<string, string> = {}) => {
  t = await startTestFlow(
    { nodes: [{ id: "c", type: "change", config: { rules }, wires: [["out"]] }, { id: "out", type: "test-collect" }] },
    { nodes: [change], env },
  );
  t.inject("c", input);
  return (await t.waitFor("out", 1))[0]!;
};

describe("change", () => {
  it("sets nested paths with typed values and leaves the input untouched", async () => {
    const input = { payload: { battery: { v: 1 } }, keep: [1] };
    const out = await run(
      [
        { action: "set", path: "payload.battery.v", value: "13.8", valueType: "number" },
        { action: "set", path: "payload.units[1]", value: "A", valueType: "string" },
        { action: "set", path: "flag", value: "true", valueType: "boolean" },
        { action: "set", path: "site", value: "SITE", valueType: "env" },
      ],
      input,
      { SITE: "roof" },
    );
    expect(out.payload).toEqual({ battery: { v: 13.8 }, units: [undefined, "A"] });
    expect(out.flag).toBe(true);
    expect(out.site).toBe("roof");
    expect(out.keep).toBe(input.keep);
    expect(input.payload.battery.v).toBe(1);
  });

  it("deletes, moves and copies", async () => {
    const out = await run(
      [
        { action: "copy", path: "payload.a", to: "copied" },
        { action: "move", path: "payload.b", to: "moved.b" },
        { action: "delete", path: "topic" },
      ],
      { topic: "x", payload: { a: 1, b: 2 } },
    );
    expect(out).toMatchObject({ copied: 1, moved: { b: 2 }, payload: { a: 1 } });
    expect(out.payload).not.toHaveProperty("b");
    expect(out).not.toHaveProperty("topic");
  });

  it("sets from another property and stamps the time", async () => {
    const before = Date.now();
    const out = await run(
      [
        { action: "set", path: "copy", value: "payload.n", valueType: "path" },
        { action: "set", path: "at", valueType: "timestamp" },
      ],
      { payload: { n: 7 } },
    );
    expect(out.copy).toBe(7);
    expect(out.at as number).toBeGreaterThanOrEqual(before);
  });

  it("refuses a move without a target at deploy", async () => {
    await expect(
      startTestFlow({ nodes: [{ id: "c", type: "change", config: { rules: [{ action: "move", path: "a" }] } }] }, { nodes: [change] }).then(async (f) => {
        t = f;
        return f.events.find((e) => e.type === "status" && e.nodeId === "c");
      }),
    ).resolves.toMatchObject({ status: { fill: "red", text: expect.stringContaining('needs "to"') } });
  });
});
