import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import linkIn from "./link-in.js";
import linkOut from "./link-out.js";
import status from "../status/index.js";
import fn from "../function/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe("link, catch and status", () => {
  it("link-out delivers to every named link-in without drawn wires", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "lo", type: "link-out", config: { links: ["li1", "li2"] } },
          { id: "li1", type: "link-in", wires: [["a"]] },
          { id: "li2", type: "link-in", wires: [["b"]] },
          { id: "a", type: "test-collect" },
          { id: "b", type: "test-collect" },
        ],
      },
      { nodes: [linkIn, linkOut] },
    );
    t.inject("lo", { payload: 1 });
    expect((await t.waitFor("a", 1))[0]!.payload).toBe(1);
    expect((await t.waitFor("b", 1))[0]!.payload).toBe(1);
  });

  it("refuses a link to a node that does not exist", async () => {
    await expect(startTestFlow({ nodes: [{ id: "lo", type: "link-out", config: { links: ["nope"] } }] }, { nodes: [linkIn, linkOut] })).rejects.toThrow(
      /links to node "nope"/,
    );
  });

  it("status nodes forward status changes with their source, limited to their scope", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "s", type: "status", config: { scope: ["f1"] }, wires: [["seen"]] },
          { id: "f1", type: "function", config: { code: "node.status({ fill: 'green', text: 'ok ' + msg.payload }); return null;" } },
          { id: "f2", type: "function", config: { code: "node.status({ text: 'other' }); return null;" } },
          { id: "seen", type: "test-collect" },
        ],
      },
      { nodes: [linkIn, linkOut, status, fn] },
    );
    t.inject("f2", { payload: 0 });
    t.inject("f1", { payload: 7 });
    const [seen] = await t.waitFor("seen", 1);
    expect(seen!.status).toEqual({ fill: "green", text: "ok 7", source: { id: "f1", type: "function", name: undefined } });
    // Statuses arrive in order: were f2's let through, it would come before the next one of f1.
    t.inject("f2", { payload: 1 });
    t.inject("f1", { payload: 8 });
    await t.waitFor("seen", 2);
    expect(t.received("seen").map((m) => (m.status as { text: string }).text)).toEqual(["ok 7", "ok 8"]);
  });
});
