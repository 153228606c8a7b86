import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openStore, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import presence from "./index.js";

let t: TestFlow | undefined;
let store: Store;
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  vi.setSystemTime(new Date("2025-06-01T12:00:00Z"));
  store = openStore({ memory: true });
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await store.close();
  vi.useRealTimers();
});

const flow = {
  nodes: [
    {
      id: "seen",
      type: "presence",
      config: {
        after: "60s",
        offline: [{ path: "payload.data.state", equals: "offline" }],
        remember: [
          { path: "payload.data", as: "status", merge: true, default: {} },
          { path: "payload.data.firmware", as: "firmware_reports", count: true, default: 0 },
        ],
      },
      wires: [["changes"], ["answers"]],
    },
    { id: "changes", type: "test-collect" },
    { id: "answers", type: "test-collect" },
  ],
};
const start = () => startTestFlow(flow, { nodes: [presence], store });
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await new Promise((r) => setImmediate(r));
}
async function heard(device: string, data?: Record<string, unknown>): Promise<void> {
  expect(await t!.injectTracked("seen", { payload: { device_id: device, ...(data ? { data } : {}) } })).toEqual({ outcome: "ack" });
}
async function ask(lookup: string): Promise<{ payload: unknown; statusCode?: unknown }> {
  const before = t!.received("answers").length;
  t!.inject("seen", { lookup });
  const list = await t!.waitFor("answers", before + 1);
  return list[before] as { payload: unknown; statusCode?: unknown };
}
const changes = () => t!.received("changes").map((m) => m.payload as { device_id: string; online: boolean; previous: boolean | null });

describe("presence", () => {
  it("goes online when heard from, offline after the silence, online again; answers lookups", async () => {
    t = await start();
    await heard("a", { firmware: "1.2" });
    await advance(30_000);
    await heard("b");
    await advance(31_000); // a silent for 61 s, b for 31 s
    expect(changes().map((c) => [c.device_id, c.online, c.previous])).toEqual([
      ["a", true, null],
      ["b", true, null],
      ["a", false, true],
    ]);
    expect((await ask("a")).payload).toMatchObject({ device_id: "a", online: false, last_seen: "2025-06-01T12:00:00.000Z", messages: 1, status: { firmware: "1.2" } });
    await heard("a", { state: "online" });
    expect(changes().at(-1)).toMatchObject({ device_id: "a", online: true, previous: false });
    const all = (await ask("*")).payload as { count: number; online: number; devices: { device_id: string; status?: unknown }[] };
    expect(all).toMatchObject({ count: 2, online: 2 });
    expect(all.devices.map((d) => d.device_id)).toEqual(["a", "b"]);
    expect(all.devices[0]!.status).toEqual({ firmware: "1.2", state: "online" });
    // Counted: only the message that carried a firmware, not the one with a state; b, with none, shows the defaults.
    expect(all.devices.map((d) => (d as Record<string, unknown>).firmware_reports)).toEqual([1, 0]);
    expect(all.devices[1]!.status).toEqual({});
    expect(await ask("nope")).toMatchObject({ statusCode: 404, payload: { detail: "device_id nope not found" } });
  });

  it("a last will saying offline flips the device at once and is no sign of life", async () => {
    t = await start();
    await heard("a");
    await advance(10_000);
    await heard("a", { state: "offline" });
    expect(changes().map((c) => c.online)).toEqual([true, false]);
    expect((await ask("a")).payload).toMatchObject({ online: false, last_seen: "2025-06-01T12:00:00.000Z" });
    await advance(120_000);
    expect(changes()).toHaveLength(2); // no second offline event
  });

  it("keeps devices across a restart; one that fell silent while down goes offline once at start", async () => {
    t = await start();
    await heard("a", { firmware: "1.2" });
    await advance(20_000);
    await t.stop();
    vi.setSystemTime(Date.now() + 300_000);
    t = await start();
    await advance(10);
    expect(changes()).toEqual([expect.objectContaining({ device_id: "a", online: false, previous: true })]);
    expect((await ask("a")).payload).toMatchObject({ first_seen: "2025-06-01T12:00:00.000Z", messages: 1, status: { firmware: "1.2" } });
    await advance(600_000);
    expect(changes()).toHaveLength(1);
  });

  it("refuses a message without a device key with an error naming the path", async () => {
    t = await start();
    const completion = await t.injectTracked("seen", { payload: {} });
    expect(completion.outcome === "nack" && completion.error.message).toBe("presence: no device key at msg.payload.device_id");
  });
});
