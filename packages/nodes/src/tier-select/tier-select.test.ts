import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import tierSelect from "./index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const DAY = 86_400_000;
const tiers = [
  { name: "raw", series: "gp.rt", keep: "1d" },
  { name: "1m", series: "gp.rt_1m", keep: "7d" },
  { name: "10m", series: "gp.rt_10m", keep: "30d" },
];

async function ask(query: Record<string, string>): Promise<{ chosen?: Record<string, unknown>; invalid?: Record<string, unknown> }> {
  const seen = [t!.received("chosen").length, t!.received("invalid").length] as const;
  await t!.injectTracked("tier", { req: { method: "GET", path: "/api/rt/", params: {}, query, headers: {} }, headers: { "Cache-Control": "no-store" } });
  return { chosen: t!.received("chosen")[seen[0]], invalid: t!.received("invalid")[seen[1]] };
}

describe("tier-select", () => {
  it("reads the finest tier whose retention covers the start, or the one asked for, and names it in a header", async () => {
    t = await startTestFlow(
      {
        nodes: [
          { id: "tier", type: "tier-select", config: { tiers, header: "X-Telemetry-Tier" }, wires: [["chosen"], ["invalid"]] },
          { id: "chosen", type: "test-collect" },
          { id: "invalid", type: "test-collect" },
        ],
      },
      { nodes: [tierSelect] },
    );
    const iso = (ago: number) => new Date(Date.now() - ago).toISOString();
    expect((await ask({})).chosen).toMatchObject({ tier: { name: "raw", series: "gp.rt" }, headers: { "Cache-Control": "no-store", "X-Telemetry-Tier": "raw" } });
    expect((await ask({ start_time: iso(3 * DAY) })).chosen?.tier).toEqual({ name: "1m", series: "gp.rt_1m" });
    expect((await ask({ start_time: iso(20 * DAY) })).chosen?.tier).toEqual({ name: "10m", series: "gp.rt_10m" });
    // Beyond every tier: the coarsest still answers.
    expect((await ask({ start_time: iso(400 * DAY) })).chosen?.tier).toMatchObject({ name: "10m" });
    // Without a start: a day before the end.
    expect((await ask({ end_time: iso(2 * DAY) })).chosen?.tier).toMatchObject({ name: "1m" });
    expect((await ask({ start_time: iso(20 * DAY), interval: "raw" })).chosen?.tier).toMatchObject({ name: "raw" });
    // A start that is not a time is left for the list node to refuse.
    expect((await ask({ start_time: "yesterday" })).chosen?.tier).toMatchObject({ name: "raw" });
    const bad = await ask({ interval: "5m" });
    expect(bad.chosen).toBeUndefined();
    expect(bad.invalid).toMatchObject({ statusCode: 400, payload: { interval: ['"5m" is not a valid choice.'] } });
  });

  it("refuses a tier named twice when the flow starts", async () => {
    t = await startTestFlow({ nodes: [{ id: "tier", type: "tier-select", config: { tiers: [tiers[0], { ...tiers[1], name: "raw" }] } }] }, { nodes: [tierSelect] });
    expect(t.events.find((e) => e.type === "status" && e.nodeId === "tier")).toMatchObject({ status: { fill: "red", text: expect.stringContaining('"raw" is named twice') } });
  });
});
