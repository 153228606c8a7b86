import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import switchNode from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const cases: [string, unknown, unknown, unknown, boolean][] = [
  ["eq", 5, undefined, 5, true],
  ["eq", "5", undefined, 5, true],
  ["eq", 5, undefined, 6, false],
  ["neq", 5, undefined, 6, true],
  ["lt", 10, undefined, 9, true],
  ["lt", 10, undefined, 10, false],
  ["lte", 10, undefined, 10, true],
  ["gt", 10, undefined, 11, true],
  ["gte", 10, undefined, 9, false],
  ["between", 1, 3, 2, true],
  ["between", 1, 3, 4, false],
  ["contains", "err", undefined, "an error", true],
  ["contains", 2, undefined, [1, 2], true],
  ["regex", "^heat", undefined, "heatpump", true],
  ["regex", "^heat", undefined, "solar", false],
  ["true", undefined, undefined, true, true],
  ["false", undefined, undefined, true, false],
  ["null", undefined, undefined, null, true],
  ["nnull", undefined, undefined, 0, true],
  ["empty", undefined, undefined, [], true],
  ["type", "array", undefined, [1], true],
  ["type", "number", undefined, "1", false],
];

describe("switch", () => {
  it.each(cases)("%s %j %j on %j → %s", async (op, value, value2, input, expected) => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "s", type: "switch", config: { rules: [{ op, value, value2 }, { op: "else" }] }, wires: [["yes"], ["no"]] },
          { id: "yes", type: "test-collect" },
          { id: "no", type: "test-collect" },
        ],
      },
      { nodes: [switchNode] },
    );
    t.inject("s", { payload: input });
    await t.waitFor(expected ? "yes" : "no", 1);
    expect(t.received(expected ? "no" : "yes")).toHaveLength(0);
  });

  it("sends to every matching output, or only the first when checkAll is off", async () => {
    const flow = (checkAll: boolean) => ({
      nodes: [
        { id: "s", type: "switch", config: { property: "payload.t", checkAll, rules: [{ op: "gt", value: 10 }, { op: "gt", value: 20 }] }, wires: [["a"], ["b"]] },
        { id: "a", type: "test-collect" },
        { id: "b", type: "test-collect" },
      ],
    });
    t = await startTestFlow(flow(true), { nodes: [switchNode] });
    t.inject("s", { payload: { t: 25 } });
    await t.waitFor("a", 1);
    await t.waitFor("b", 1);
    await t.stop();
    t = await startTestFlow(flow(false), { nodes: [switchNode] });
    // Completed means every output the message took has been handled.
    expect((await t.injectTracked("s", { payload: { t: 25 } })).outcome).toBe("ack");
    expect(t.received("a")).toHaveLength(1);
    expect(t.received("b")).toHaveLength(0);
  });

  it("has one output port per rule, and refuses wires beyond them", async () => {
    await expect(
      startTestFlow(
        { nodes: [{ id: "s", type: "switch", config: { rules: [{ op: "true" }] }, wires: [["a"], ["a"]] }, { id: "a", type: "test-collect" }] },
        { nodes: [switchNode] },
      ),
    ).rejects.toThrow(/2 output ports wired but switch has 1/);
  });
});
