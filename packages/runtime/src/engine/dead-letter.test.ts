import { afterEach, describe, expect, it } from "vitest";
import { Type } from "@sinclair/typebox";
import { defineNode } from "../registry/define.js";
import { startTestFlow, type TestFlow } from "../testing/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** Parks one dead letter per input message, with the message's payload. */
const parker = defineNode({
  type: "test-parker",
  category: "test",
  summary: "parks every message",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  create(node) {
    return {
      input(msg, _send, done) {
        node.deadLetter({ reason: "refused for the test", source: String(msg.topic), payload: msg.payload });
        done();
      },
    };
  },
});

describe("node.deadLetter", () => {
  it("stores the letter with its flow, node, source and preview, and counts it in the node's stats", async () => {
    t = await startTestFlow({ id: "dl", nodes: [{ id: "park", type: "test-parker" }] }, { nodes: [parker] });
    t.inject("park", { topic: "dev/1", payload: { v: [1, 2] } });
    expect(await t.store.deadLetters.list()).toEqual([
      { id: 1, time: expect.any(Number), flowId: "dl", nodeId: "park", source: "dev/1", reason: "refused for the test", size: 11, preview: '{"v":[1,2]}', previewEncoding: "text" },
    ]);
    expect(t.engine.stats().find((s) => s.nodeId === "park")?.deadLetters).toBe(1);
  });

  it("stores at most 200 a second per node under a flood, and counts them all", async () => {
    t = await startTestFlow({ id: "dl", nodes: [{ id: "park", type: "test-parker" }] }, { nodes: [parker] });
    for (let i = 0; i < 1000; i++) t.inject("park", { topic: `dev/${i}`, payload: "x" });
    const parked = () => t!.engine.stats().find((s) => s.nodeId === "park")?.deadLetters ?? 0;
    for (const end = Date.now() + 5_000; parked() < 1000 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
    expect(parked()).toBe(1000);
    expect(await t.store.deadLetters.count()).toBe(200);
    expect((await t.store.deadLetters.list({ limit: 1 }))[0]!.source).toBe("dev/199");
  });
});
