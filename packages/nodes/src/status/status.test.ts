import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow, until } from "@wattflow/runtime/testing";
import fn from "../function/index.js";
import status from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});


describe("status", () => {
  it("hears status changes with msg.status naming the source", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "f", type: "function", config: { code: "node.status({ fill: 'green', text: 'ok ' + msg.payload }); return null;" } },
          { id: "s", type: "status", wires: [["seen"]] },
          { id: "seen", type: "test-collect" },
        ],
      },
      { nodes: [fn, status] },
    );
    t.inject("f", { payload: 1 });
    const [seen] = await t.waitFor("seen", 1);
    expect(seen!.status).toEqual({ fill: "green", text: "ok 1", source: { id: "f", type: "function", name: undefined } });
  });

  it("a node that sets its status on every status message ends after 10 changes in the chain", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "s", type: "status", wires: [["echo"]] },
          { id: "echo", type: "function", config: { code: "node.status({ text: 'saw ' + (msg.status ? msg.status.text : 'start') }); return null;" } },
        ],
      },
      { nodes: [fn, status] },
    );
    t.inject("echo", { payload: 1 });
    const loopStopped = () => t!.events.find((e) => e.type === "error" && /status loop stopped/.test(e.message));
    await until(() => loopStopped() !== undefined);
    expect(loopStopped()).toMatchObject({ nodeId: "echo", message: expect.stringMatching(/after 10 status changes in a chain: test\/echo → test\/echo/) });
    const changes = () => t!.events.filter((e) => e.type === "status" && e.nodeId === "echo").length;
    // The first change, 9 more that were passed on, and the 11th that was shown but not passed on.
    expect(changes()).toBe(11);
    // The loop is stopped, not merely slow: once the engine has nothing queued, no further change can come.
    await until(() => t!.engine.stats().every((s) => s.queued === 0));
    await new Promise((r) => setImmediate(r));
    expect(changes()).toBe(11);
    expect(t.engine.statuses()).toContainEqual({ flowId: "test", nodeId: "echo", status: { text: expect.stringMatching(/^saw saw/) } });
  });
});
