import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import windowBuffer from "./index.js";

let t: TestFlow | undefined;
let store: Store | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await t?.stop();
  t = undefined;
  store?.close();
  store = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const config = { key: ["payload.sensor_type", "payload.sensor_id"], size: 3, maxKeys: 2, persistInterval: "100ms" };

/** The flow as a runtime would start it on a database file. */
async function startOn(file: string, overrides: Record<string, unknown> = {}): Promise<TestFlow> {
  store = openStore({ file });
  t = await startTestFlow(
    { nodes: [{ id: "buf", type: "window-buffer", config: { ...config, ...overrides }, wires: [["out"], ["answers"]] }, { id: "out", type: "test-collect" }, { id: "answers", type: "test-collect" }] },
    { nodes: [windowBuffer], store },
  );
  return t;
}

async function stop(): Promise<void> {
  await t!.stop();
  t = undefined;
  await store!.close();
  store = undefined;
}

async function everything(flow: TestFlow): Promise<Record<string, { value: number }[]>> {
  const before = flow.received("answers").length;
  flow.inject("buf", { query: {} });
  const got = await flow.waitFor("answers", before + 1);
  return got[got.length - 1]!.payload as Record<string, { value: number }[]>;
}

const reading = (sensor_type: string, sensor_id: string, value: number) => ({ payload: { sensor_type, sensor_id, value } });

describe("window-buffer across a restart", () => {
  it("restores the last N per key from the store file, with evictions and the update order kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wattflow-window-"));
    dirs.push(dir);
    const file = join(dir, "wattflow.db");
    let flow = await startOn(file);
    for (let i = 0; i < 5; i++) flow.inject("buf", reading("ldr", "a", i));
    for (let i = 0; i < 2; i++) flow.inject("buf", reading("pir", "p1", 100 + i));
    await flow.waitFor("out", 7);
    // Write-behind: saved within the interval, without a stop.
    const saved = async (): Promise<string[]> => {
      const peek = openStore({ file });
      try {
        return (await peek.context.keys("test/buf")).filter((k) => k.startsWith("k:")).sort();
      } finally {
        await peek.close();
      }
    };
    for (const end = Date.now() + 5_000; (await saved()).length < 2 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 25));
    expect(await saved()).toEqual(["k:ldr/a", "k:pir/p1"]);
    // A third key evicts the least recently updated (ldr/a); then a reading just before the stop is saved on close.
    flow.inject("buf", reading("temp", "t1", 20));
    flow.inject("buf", reading("pir", "p1", 102));
    await flow.waitFor("out", 9);
    await stop();

    flow = await startOn(file);
    expect(await everything(flow)).toEqual({
      "temp/t1": [{ sensor_type: "temp", sensor_id: "t1", value: 20 }],
      "pir/p1": [100, 101, 102].map((value) => ({ sensor_type: "pir", sensor_id: "p1", value })),
    });
    // The restored order is the update order: a new key now evicts temp/t1, the least recently updated.
    flow.inject("buf", reading("ldr", "b", 1));
    await flow.waitFor("out", 1);
    expect(Object.keys(await everything(flow)).sort()).toEqual(["ldr/b", "pir/p1"]);
    await stop();

    // Another key configuration does not mix in the old buffers.
    flow = await startOn(file, { key: ["payload.sensor_id"] });
    expect(await everything(flow)).toEqual({});
  });
});
