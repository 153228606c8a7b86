import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import fn from "./index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const flow = (code: string, outputs = 1) => ({
  env: { SCALE: "3" },
  nodes: [
    { id: "f", type: "function", config: { code, outputs }, wires: outputs === 2 ? [["a"], ["b"]] : [["a"]] },
    { id: "a", type: "test-collect" },
    { id: "b", type: "test-collect" },
    { id: "c", type: "catch", wires: [["caught"]] },
    { id: "caught", type: "test-collect" },
  ],
});

describe("function", () => {
  it("returns a new message computed from the input and the environment", async () => {
    t = await startTestFlow(flow("return { ...msg, payload: msg.payload * Number(env('SCALE')) };"), { nodes: [fn, catchNode] });
    t.inject("f", { payload: 7 });
    expect((await t.waitFor("a", 1))[0]!.payload).toBe(21);
  });

  it("routes by returning one entry per output port, and may await", async () => {
    t = await startTestFlow(
      flow("await new Promise(r => setTimeout(r, 5)); return msg.payload > 0 ? [msg, null] : [null, msg];", 2),
      { nodes: [fn, catchNode] },
    );
    t.inject("f", { payload: 1 });
    t.inject("f", { payload: -1 });
    expect((await t.waitFor("a", 1))[0]!.payload).toBe(1);
    expect((await t.waitFor("b", 1))[0]!.payload).toBe(-1);
  });

  it("a function that mutates its frozen input fails loudly and the error reaches catch", async () => {
    t = await startTestFlow(flow("msg.payload = 2; return msg;"), { nodes: [fn, catchNode] });
    t.inject("f", { payload: 1 });
    const [caught] = await t.waitFor("caught", 1);
    expect(caught!.error).toMatchObject({ source: { id: "f", type: "function" } });
    expect((caught!.error as { message: string }).message).toMatch(/read only|read-only/);
  });

  it("a thrown error reaches catch with the message", async () => {
    t = await startTestFlow(flow("throw new Error('bad reading ' + msg.payload);"), { nodes: [fn, catchNode] });
    t.inject("f", { payload: 42 });
    const [caught] = await t.waitFor("caught", 1);
    expect((caught!.error as { message: string }).message).toBe("bad reading 42");
    expect(caught!.payload).toBe(42);
  });

  it("a syntax error stops the node from starting and names the line", async () => {
    t = await startTestFlow(flow("const a = 1;\nreturn msg +;"), { nodes: [fn, catchNode] });
    const status = t.events.find((e) => e.type === "status" && e.nodeId === "f");
    expect(status).toMatchObject({ status: { fill: "red", text: expect.stringMatching(/syntax error in code near line 2/) } });
  });
});
