import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import range from "./index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function map(config: Record<string, unknown>, values: unknown[]): Promise<unknown[]> {
  await t?.stop();
  t = await startTestFlow(
    {
      nodes: [
        { id: "r", type: "range", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [range, catchNode] },
  );
  // Each completion settles once the message and everything derived from it has been handled.
  await Promise.all(values.map((payload) => t!.injectTracked("r", { payload })));
  return t.received("out").map((m) => m.payload);
}

describe("range", () => {
  it("scales linearly, beyond the range too", async () => {
    expect(await map({ inMin: 4, inMax: 20, outMin: 0, outMax: 10 }, [4, 12, 20, 24, "8"])).toEqual([0, 5, 10, 12.5, 2.5]);
  });

  it("clamps to the output range", async () => {
    expect(await map({ action: "clamp", inMin: 4, inMax: 20, outMin: 0, outMax: 10 }, [0, 12, 30])).toEqual([0, 5, 10]);
  });

  it("wraps around the input range, and rounds", async () => {
    expect(await map({ action: "wrap", inMin: 0, inMax: 360, outMin: 0, outMax: 360 }, [370, -10, 720])).toEqual([10, 350, 0]);
    expect(await map({ inMin: 0, inMax: 1023, outMin: 0, outMax: 100, round: true }, [512])).toEqual([50]);
  });

  it("fails a non-number with an error naming the property", async () => {
    expect(await map({}, ["high"])).toEqual([]);
    const [caught] = await t!.waitFor("caught", 1);
    expect((caught!.error as { message: string }).message).toContain("payload is not a number");
  });

  it("refuses an empty input range", async () => {
    await map({ inMin: 5, inMax: 5 }, [1]);
    expect(t!.engine.statuses().find((s) => s.nodeId === "r")?.status.text).toContain("input range is empty");
  });
});
