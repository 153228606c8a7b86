import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import jsonFile from "./index.js";

let t: TestFlow | undefined;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wattflow-json-"));
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const flow = (config: Record<string, unknown>) => ({
  nodes: [
    { id: "f", type: "json-file", config: { file: join(dir, "daily.json"), ...config }, wires: [["out"]] },
    { id: "out", type: "test-collect" },
  ],
});
const onDisk = (name = "daily.json") => JSON.parse(readFileSync(join(dir, name), "utf8")) as { data_points: { timestamp?: string; date?: string; power_w?: number }[]; last_update: string };

describe("json-file", () => {
  it("appends points atomically in the seed's shape", async () => {
    t = await startTestFlow(flow({}), { nodes: [jsonFile] });
    t.inject("f", { payload: { timestamp: "2025-01-01T10:00:00Z", power_w: 230 } });
    t.inject("f", { payload: { timestamp: "2025-01-01T10:10:00Z", power_w: 250 } });
    await t.waitFor("out", 2);
    expect(onDisk().data_points).toEqual([
      { timestamp: "2025-01-01T10:00:00Z", power_w: 230 },
      { timestamp: "2025-01-01T10:10:00Z", power_w: 250 },
    ]);
    expect(typeof onDisk().last_update).toBe("string");
    expect(readdirSync(dir)).toEqual(["daily.json"]);
  });

  it("merges by timestamp/date and keeps a rolling window by count and by age", async () => {
    const now = Date.now();
    t = await startTestFlow(flow({ mode: "merge", keepCount: 3, keepFor: "2d" }), { nodes: [jsonFile] });
    const day = (n: number) => new Date(now - n * 86_400_000).toISOString();
    t.inject("f", { payload: [{ timestamp: day(5), v: 1 }, { timestamp: day(1.5), v: 2 }, { timestamp: day(1), v: 3 }] });
    t.inject("f", { payload: [{ timestamp: day(1), v: 30 }, { timestamp: day(0.5), v: 4 }, { timestamp: day(0.1), v: 5 }] });
    await t.waitFor("out", 2);
    expect(onDisk().data_points.map((p) => (p as { v: number }).v)).toEqual([30, 4, 5]);
  });

  it("rotates at local midnight: yesterday moves to .previous.json, today starts empty", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    vi.setSystemTime(new Date("2025-06-01T21:50:00Z")); // 23:50 in Berlin
    t = await startTestFlow(flow({ rotate: "midnight", timezone: "Europe/Berlin" }), { nodes: [jsonFile] });
    t.inject("f", { payload: { timestamp: "2025-06-01T21:50:00Z", power_w: 1 } });
    await vi.advanceTimersByTimeAsync(1);
    await t.waitFor("out", 1);
    await vi.advanceTimersByTimeAsync(11 * 60_000);
    await vi.waitFor(() => expect(existsSync(join(dir, "daily.previous.json"))).toBe(true));
    expect(onDisk("daily.previous.json").data_points).toEqual([{ timestamp: "2025-06-01T21:50:00Z", power_w: 1 }]);
    expect(onDisk().data_points).toEqual([]);
  });

  it("a corrupt file on start is moved aside and reported, not overwritten", async () => {
    writeFileSync(join(dir, "daily.json"), '{"data_points": [ {"timestamp": "2025-01-01T00:00:00Z"');
    t = await startTestFlow({ ...flow({}), nodes: [...flow({}).nodes, { id: "c", type: "catch", wires: [["errors"]] }, { id: "errors", type: "test-collect" }] }, { nodes: [jsonFile, (await import("../catch/index.js")).default] });
    const [err] = await t.waitFor("errors", 1);
    expect((err!.error as { message: string }).message).toMatch(/daily\.json was corrupt .* moved to .*daily\.corrupt-.*\.json/);
    const aside = readdirSync(dir).find((f) => f.startsWith("daily.corrupt-"))!;
    expect(readFileSync(join(dir, aside), "utf8")).toContain('"2025-01-01T00:00:00Z"');
    t.inject("f", { payload: { timestamp: "2025-01-02T00:00:00Z", power_w: 5 } });
    await t.waitFor("out", 1);
    expect(onDisk().data_points).toHaveLength(1);
  });

  it("a failed write keeps every point in memory and writes them all once it can", async () => {
    const sub = join(dir, "sub");
    mkdirSync(sub);
    t = await startTestFlow(
      { nodes: [{ id: "f", type: "json-file", config: { file: join(sub, "daily.json") }, wires: [["out"]] }, { id: "out", type: "test-collect" }] },
      { nodes: [jsonFile] },
    );
    t.inject("f", { payload: { timestamp: "2025-01-01T00:00:00Z", power_w: 1 } });
    await t.waitFor("out", 1);
    // The folder becomes a file: every write now fails with a real filesystem error (ENOTDIR).
    rmSync(sub, { recursive: true });
    writeFileSync(sub, "not a folder");
    t.inject("f", { payload: { timestamp: "2025-01-01T00:10:00Z", power_w: 2 } });
    const [, failed] = await t.waitFor("out", 2);
    expect(failed!.saved).toBe(false);
    expect(t.engine.statuses().find((s) => s.nodeId === "f")?.status.text).toMatch(/^write failed \(E\w+\); 2 points kept in memory$/);
    rmSync(sub);
    mkdirSync(sub);
    t.inject("f", { payload: { timestamp: "2025-01-01T00:20:00Z", power_w: 3 } });
    await t.waitFor("out", 3);
    expect(JSON.parse(readFileSync(join(sub, "daily.json"), "utf8")).data_points.map((p: { power_w: number }) => p.power_w)).toEqual([1, 2, 3]);
  });

  it("serves the document on the flow server", async () => {
    t = await startTestFlow(flow({ serve: "/daily.json" }), { nodes: [jsonFile] });
    t.inject("f", { payload: { timestamp: "2025-01-01T00:00:00Z", power_w: 7 } });
    await t.waitFor("out", 1);
    const reply = await t.request("GET", "/daily.json");
    expect(reply.body).toMatchObject({ data_points: [{ power_w: 7 }] });
  });
});
