import { afterEach, describe, expect, it } from "vitest";
import { FlowRejected, startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import catchNode from "../catch/index.js";
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

  it("routes by a JSONata test over the whole message, JSONata-truthy, and reports evaluation errors to catch", async () => {
    t = await startTestFlow(
      {
        nodes: [
          {
            id: "s",
            type: "switch",
            config: { property: "topic", checkAll: false, rules: [{ op: "jsonata", value: "payload.voltage > 10 and $exists(payload.id)" }, { op: "eq", value: "bad" }, { op: "jsonata", value: "payload.list" }, { op: "else" }] },
            wires: [["ok"], ["bad"], ["listed"], ["other"]],
          },
          { id: "ok", type: "test-collect" },
          { id: "bad", type: "test-collect" },
          { id: "listed", type: "test-collect" },
          { id: "other", type: "test-collect" },
          { id: "k", type: "catch", wires: [["caught"]] },
          { id: "caught", type: "test-collect" },
        ],
      },
      { nodes: [switchNode, catchNode] },
    );
    t.inject("s", { topic: "bad", payload: { voltage: 12, id: "a" } });
    t.inject("s", { topic: "x", payload: { voltage: 12 } });
    t.inject("s", { topic: "bad", payload: { voltage: 1 } });
    t.inject("s", { topic: "x", payload: { list: [] } });
    t.inject("s", { topic: "x", payload: { list: [0, 3] } });
    t.inject("s", { topic: "x", payload: { voltage: "12", id: "b" } });
    await t.waitFor("ok", 1);
    await t.waitFor("bad", 1);
    await t.waitFor("listed", 1);
    await t.waitFor("other", 2);
    const [caught] = await t.waitFor("caught", 1);
    expect((caught!.error as { message: string }).message).toMatch(/rules\[0\]\.value: JSONata evaluation failed/);
    expect(t.received("ok").map((m) => m.payload)).toEqual([{ voltage: 12, id: "a" }]);
    expect(t.received("bad").map((m) => m.payload)).toEqual([{ voltage: 1 }]);
    expect(t.received("listed").map((m) => m.payload)).toEqual([{ list: [0, 3] }]);
  });

  it("refuses a JSONata syntax error at deploy, naming the rule's field", async () => {
    await expect(
      startTestFlow({ nodes: [{ id: "s", type: "switch", config: { rules: [{ op: "jsonata", value: "payload.voltage >" }] } }] }, { nodes: [switchNode] }),
    ).rejects.toThrow(FlowRejected);
    await expect(
      startTestFlow({ nodes: [{ id: "s", type: "switch", config: { rules: [{ op: "eq", value: 1 }, { op: "jsonata", value: "payload.voltage >" }] } }] }, { nodes: [switchNode] }),
    ).rejects.toThrow(/\/rules\/1\/value: rules\[1\]\.value: JSONata syntax error/);
  });
});
