import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import linkIn from "./link-in.js";
import linkOut from "./link-out.js";
import linkCall from "./link-call.js";
import change from "../change/index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** A flow whose `double` link-in doubles the payload and returns it; `call` calls it, optionally through `relay` (a call inside a call). */
async function start(callConfig: Record<string, unknown>, extra: Record<string, unknown>[] = []) {
  t = await startTestFlow(
    {
      nodes: [
        { id: "call", type: "link-call", config: callConfig, wires: [["out"]] },
        { id: "double", type: "link-in", wires: [["times2"]] },
        { id: "times2", type: "change", config: { rules: [{ action: "set", path: "doubled", value: true, valueType: "boolean" }] }, wires: [["answer"]] },
        { id: "answer", type: "link-out", config: { mode: "return" } },
        { id: "relay", type: "link-in", wires: [["inner"]] },
        { id: "inner", type: "link-call", config: { target: "double" }, wires: [["back"]] },
        { id: "back", type: "link-out", config: { mode: "return" } },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
        ...extra,
      ],
    },
    { nodes: [linkIn, linkOut, linkCall, change, catchNode] },
  );
  return t;
}

describe("link-call", () => {
  it("returns each message to its own call, nested calls included, without the return address", async () => {
    const tf = await start({ target: "double" });
    for (let i = 0; i < 5; i++) tf.inject("call", { payload: i });
    const out = await tf.waitFor("out", 5);
    expect(out.map((m) => m.payload).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(out.every((m) => m.doubled === true && m._linkSource === undefined)).toBe(true);
    await tf.stop();

    const nested = await start({ target: "relay" });
    const completion = nested.injectTracked("call", { payload: 7 });
    const [msg] = await nested.waitFor("out", 1);
    expect(msg).toMatchObject({ payload: 7, doubled: true });
    expect(msg!._linkSource).toBeUndefined();
    await expect(completion).resolves.toEqual({ outcome: "ack" });
  });

  it("fails the message when no return comes within the timeout, and a return mode link-out fails a message from no call", async () => {
    const tf = await start({ target: "nowhere", timeout: "100ms" }, [{ id: "nowhere", type: "link-in" }]);
    const started = Date.now();
    tf.inject("call", { payload: 1 });
    tf.inject("answer", { payload: 2 });
    const errors = (await tf.waitFor("caught", 2)).map((m) => (m.error as { message: string; source: { id: string } }));
    const byNode = Object.fromEntries(errors.map((e) => [e.source.id, e.message]));
    expect(byNode.call).toBe('no return from nowhere within 100ms (config "timeout")');
    expect(byNode.answer).toContain("did not come from a link-call");
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(tf.received("out")).toEqual([]);
  });

  it("a link-out in link mode still needs links", async () => {
    await expect(startTestFlow({ nodes: [{ id: "lo", type: "link-out", config: {} }] }, { nodes: [linkIn, linkOut] })).rejects.toThrow(/\/links: name at least one link-in/);
  });
});
