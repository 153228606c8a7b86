import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import energyAvailability from "./index.js";

let t: TestFlow | undefined;
let store: Store;
beforeEach(async () => {
  store = await openStore({ memory: true });
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await store.close();
});

const SOURCES = [
  { id: 1, name: "grid", source_type: "grid", is_available: false, priority: 3 },
  { id: 2, name: "solar", source_type: "solar", is_available: true, priority: 1 },
  { id: 3, name: "battery", source_type: "battery", is_available: true, priority: 2 },
];
/** The sources as a record-query page, the way a flow reads them from the store. */
const page = { count: 3, records: SOURCES.map((body, i) => ({ id: i + 1, body })) };

const start = async () => {
  t = await startTestFlow(
    {
      nodes: [
        { id: "decide", type: "energy-availability", config: { site: "roof", sources: "sources" }, wires: [["out"]] },
        { id: "out", type: "test-collect" },
      ],
    },
    { nodes: [energyAvailability], store },
  );
  return t;
};
async function ask(): Promise<{ payload: { name: string }[]; availability: { basis: string; sources: Record<string, { available: boolean; reason: string }>; readings: Record<string, { value: unknown } | null> } }> {
  const before = t!.received("out").length;
  t!.inject("decide", { sources: page });
  const list = await t!.waitFor("out", before + 1);
  return list[before] as never;
}
const write = async (series: string, value: number, agoMs: number, site = "roof") => {
  await store.writePoints([{ series, time: Date.now() - agoMs, value, tags: { site } }]);
};

describe("energy-availability", () => {
  it("without a balance from the site, answers the sources' own flags by priority", async () => {
    await start();
    await write("site.surplus_w", 900, 1000, "elsewhere");
    const got = await ask();
    expect(got.payload.map((s) => s.name)).toEqual(["solar", "battery"]);
    expect(got.availability.basis).toBe("settings");
  });

  it("makes solar available on a fresh surplus, the battery by its charge, and the grid always", async () => {
    await start();
    await write("site.surplus_w", 1200, 30_000);
    await write("site.battery_soc_pct", 64, 30_000);
    const got = await ask();
    expect(got.payload.map((s) => s.name)).toEqual(["solar", "battery", "grid"]);
    expect(got.availability.basis).toBe("site");
    expect(got.availability.readings.surplus_w?.value).toBe(1200);
    expect(got.availability.sources.solar).toEqual({ available: true, reason: "surplus of 1200 W" });
    expect(got.availability.sources.grid?.available).toBe(true);
  });

  it("takes solar away when the surplus is gone or stale, and the battery below 20 %", async () => {
    await start();
    await write("site.surplus_w", 800, 10 * 60_000);
    await write("site.battery_soc_pct", 19.5, 1000);
    let got = await ask();
    expect(got.payload.map((s) => s.name)).toEqual(["grid"]);
    expect(got.availability.sources.solar?.reason).toMatch(/600 s old/);
    await write("site.surplus_w", -150, 1000);
    await write("site.battery_soc_pct", 20, 500);
    got = await ask();
    expect(got.payload.map((s) => s.name)).toEqual(["battery", "grid"]);
    expect(got.availability.sources.solar).toEqual({ available: false, reason: "no surplus (-150 W)" });
  });

  it("does not offer a battery whose state of charge stopped arriving", async () => {
    await start();
    await write("site.surplus_w", 500, 1000);
    await write("site.battery_soc_pct", 90, 6 * 60_000);
    const got = await ask();
    expect(got.payload.map((s) => s.name)).toEqual(["solar", "grid"]);
    expect(got.availability.sources.battery?.reason).toMatch(/state of charge is 360 s old/);
  });

  it("takes a plain list too, and leaves a kind the balance does not cover to its own flag", async () => {
    await start();
    await write("site.surplus_w", 300, 1000);
    t!.inject("decide", { sources: [...SOURCES, { id: 4, name: "generator", source_type: "generator", is_available: true, priority: 0 }] });
    const [got] = (await t!.waitFor("out", 1)) as unknown as { payload: { name: string }[]; availability: { sources: Record<string, { available: boolean }> } }[];
    expect(got!.payload.map((s) => s.name)).toEqual(["generator", "solar", "grid"]);
    expect(got!.availability.sources.battery?.available).toBe(false);
  });

  it("fails a message without sources, naming the path", async () => {
    await start();
    const outcome = await t!.injectTracked("decide", { payload: 1 });
    expect(outcome).toMatchObject({ outcome: "nack" });
    expect(String((outcome as { error?: unknown }).error)).toMatch(/sources: the sources must be a list/);
    expect(t!.received("out")).toHaveLength(0);
  });
});
