/**
 * flows/demo.json in a real runtime: the heartbeat fires once at start and on
 * demand, is stamped with the site, and reaches the debug node's event stream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeEvent } from "../packages/runtime/src/api/types.js";
import { startShippedFlow, until, type ShippedFlow } from "../test/shipped-flow.js";

let flow: ShippedFlow;
beforeAll(async () => {
  flow = await startShippedFlow(new URL("./demo.json", import.meta.url), { SITE: "lab" });
}, 30_000);
afterAll(async () => {
  await flow?.stop();
});

type DebugEvent = Extract<RuntimeEvent, { type: "debug" }>;
const shown = (): DebugEvent[] => flow.rt.events.recentEvents().filter((e): e is DebugEvent => e.type === "debug" && e.flowId === "demo" && e.nodeId === "show");

describe("demo flow", () => {
  it("runs: the heartbeat at start reaches debug, stamped with SITE from the environment", async () => {
    await until(() => shown().length >= 1);
    const msg = shown()[0]!.msg as { topic: string; site: string; payload: number };
    expect(msg).toMatchObject({ topic: "heartbeat", site: "lab" });
    expect(Math.abs(msg.payload - Date.now())).toBeLessThan(60_000);
  });

  it("a trigger of the heartbeat reaches debug again", async () => {
    const before = shown().length;
    expect(await flow.rt.engine.trigger("demo", "heartbeat")).toBe(true);
    await until(() => shown().length > before);
    expect(shown().at(-1)!.msg).toMatchObject({ topic: "heartbeat", site: "lab" });
  });
});
