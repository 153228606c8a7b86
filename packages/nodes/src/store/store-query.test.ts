import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import storeQuery from "./store-query.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const T0 = Date.parse("2026-01-26T00:00:00Z");

describe("store-query rows", () => {
  it("joins series into readings by time and tag set, filters by tags, pages newest first", async () => {
    t = await startTestFlow({
      nodes: [
        {
          id: "q",
          type: "store-query",
          config: {
            queries: [{ as: "r", mode: "rows", series: "rt", tags: { device_id: "{{req.query.device_id}}" }, from: "{{req.query.start_time}}", to: "{{req.query.end_time}}", page: "{{req.query.page|1}}", pageSize: "{{req.query.page_size|2}}" }],
          },
          wires: [["out"], ["bad"]],
        },
        { id: "out", type: "test-collect" },
        { id: "bad", type: "test-collect" },
      ],
    }, { nodes: [storeQuery] });
    const points = [];
    for (let i = 0; i < 3; i++) {
      for (const device of ["a", "b"]) {
        points.push({ series: "rt.voltage", time: T0 + i * 60_000, value: 230 + i, tags: { device_id: device } });
        points.push({ series: "rt.current", time: T0 + i * 60_000, value: i, tags: { device_id: device } });
      }
    }
    points.push({ series: "rt.voltage", time: T0 + 3_600_000 * 13, value: 1, tags: { device_id: "a" } });
    await t.store.writePoints(points);
    const query = (q: Record<string, string>) => t!.injectTracked("q", { req: { query: q } });

    await query({ start_time: "2026-01-26T00:00:00Z", end_time: "2026-01-26T12:00:00Z", device_id: "a" });
    const [first] = await t.waitFor("out", 1);
    expect((first!.payload as { r: unknown }).r).toEqual({
      page: 1,
      pageSize: 2,
      total: 3,
      rows: [
        { time: T0 + 120_000, tags: { device_id: "a" }, fields: { voltage: 232, current: 2 } },
        { time: T0 + 60_000, tags: { device_id: "a" }, fields: { voltage: 231, current: 1 } },
      ],
    });
    await query({ start_time: "2026-01-26T00:00:00Z", end_time: "2026-01-26T12:00:00Z", page: "2", page_size: "4" });
    const [, second] = await t.waitFor("out", 2);
    const r = (second!.payload as { r: { total: number; rows: { tags: object }[] } }).r;
    expect(r.total).toBe(6);
    expect(r.rows).toHaveLength(2);

    await query({ start_time: "yesterday-ish" });
    const [bad] = await t.waitFor("bad", 1);
    expect(bad!.payload).toEqual({ error: "invalid parameter", message: 'start_time must be an ISO 8601 time or milliseconds (got "yesterday-ish")' });
  });
});
