import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import sort from "./index.js";
import split from "../split/index.js";
import join from "../join/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function sortPayload(config: Record<string, unknown>, payload: unknown): Promise<unknown> {
  t = await startTestFlow({ nodes: [{ id: "s", type: "sort", config, wires: [["out"]] }, { id: "out", type: "test-collect" }] }, { nodes: [sort] });
  t.inject("s", { payload });
  return (await t.waitFor("out", 1))[0]!.payload;
}

describe("sort", () => {
  it("sorts the payload array by element or by a key, either way", async () => {
    expect(await sortPayload({}, [3, 1, 2])).toEqual([1, 2, 3]);
    expect(await sortPayload({ order: "descending" }, ["b", "c", "a"])).toEqual(["c", "b", "a"]);
    expect(await sortPayload({ key: "w", order: "descending" }, [{ w: 5 }, { w: 50 }, { w: 7 }])).toEqual([{ w: 50 }, { w: 7 }, { w: 5 }]);
  });

  it("numeric compares text as numbers, non-numbers last", async () => {
    expect(await sortPayload({}, ["10", "9", "100"])).toEqual(["10", "100", "9"]);
    expect(await sortPayload({ numeric: true }, ["10", "x", "9", "100"])).toEqual(["9", "10", "100", "x"]);
  });

  it("sorts the messages of a sequence and a join keeps the new order", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "sp", type: "split", wires: [["s"]] },
          { id: "s", type: "sort", config: { target: "sequence", order: "descending" }, wires: [["out", "j"]] },
          { id: "j", type: "join", wires: [["joined"]] },
          { id: "out", type: "test-collect" },
          { id: "joined", type: "test-collect" },
        ],
      },
      { nodes: [sort, split, join] },
    );
    t.inject("sp", { payload: [2, 9, 4] });
    expect((await t.waitFor("out", 3)).map((m) => m.payload)).toEqual([9, 4, 2]);
    expect((await t.waitFor("joined", 1))[0]!.payload).toEqual([9, 4, 2]);
  });
});
