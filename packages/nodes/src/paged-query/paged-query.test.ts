import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import pagedQuery from "./index.js";

let t: TestFlow | undefined;
let store: Store;
beforeEach(async () => {
  store = openStore({ memory: true });
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await store.close();
});

const BASE = Date.parse("2026-01-26T10:00:00Z");
const MIN = 60_000;
const window = { start_time: "2026-01-26T00:00:00Z", end_time: "2026-01-26T23:59:59Z" };

const start = (config: Record<string, unknown>) =>
  startTestFlow(
    {
      nodes: [
        { id: "list", type: "paged-query", config, wires: [["out"]] },
        { id: "out", type: "test-collect" },
      ],
    },
    { nodes: [pagedQuery], store },
  );

/** Asks the node as an http-in would, and returns what it answered. */
async function get(path: string, query: Record<string, string>): Promise<{ status: unknown; body: Record<string, unknown> }> {
  const before = t!.received("out").length;
  t!.inject("list", { req: { method: "GET", path, params: {}, query, headers: { host: "api.example:8000" } } });
  const msg = (await t!.waitFor("out", before + 1))[before]!;
  return { status: msg.statusCode, body: msg.payload as Record<string, unknown> };
}

async function seedSeries(): Promise<void> {
  const points = [];
  for (let i = 0; i < 5; i++) {
    const tags = { device_id: "gp-001" };
    points.push({ series: "gp.rt.voltage", time: BASE + i * MIN, value: 230 + i, tags }, { series: "gp.rt.power", time: BASE + i * MIN, value: 1000 + i, tags });
  }
  points.push({ series: "gp.rt.voltage", time: BASE, value: 220, tags: { device_id: "gp-002" } });
  await store.writePoints(points);
}

describe("paged-query", () => {
  it("pages series rows newest first with absolute DRF links built from the Host", async () => {
    await seedSeries();
    t = await start({ series: "gp.rt", tags: [{ param: "device_id" }] });
    const url = "http://api.example:8000/api/rt/";
    const first = await get("/api/rt/", { ...window, device_id: "gp-001", page_size: "2" });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      count: 5,
      next: `${url}?device_id=gp-001&end_time=2026-01-26T23%3A59%3A59Z&page=2&page_size=2&start_time=2026-01-26T00%3A00%3A00Z`,
      previous: null,
      results: [
        { device_id: "gp-001", timestamp: "2026-01-26T10:04:00Z", voltage: 234, power: 1004 },
        { device_id: "gp-001", timestamp: "2026-01-26T10:03:00Z", voltage: 233, power: 1003 },
      ],
    });
    const second = await get("/api/rt/", { ...window, device_id: "gp-001", page_size: "2", page: "2" });
    // The link to the first page has no page parameter.
    expect(second.body.previous).toBe(`${url}?device_id=gp-001&end_time=2026-01-26T23%3A59%3A59Z&page_size=2&start_time=2026-01-26T00%3A00%3A00Z`);
    const third = await get("/api/rt/", { ...window, device_id: "gp-001", page_size: "2", page: "3" });
    expect(third.body).toMatchObject({ count: 5, next: null, results: [{ timestamp: "2026-01-26T10:00:00Z" }] });
    expect(await get("/api/rt/", { ...window, page_size: "2", page: "4", device_id: "gp-001" })).toEqual({ status: 404, body: { detail: "Invalid page." } });
    const oldest = await get("/api/rt/", { ...window, ordering: "time", page_size: "1" });
    expect(oldest.body).toMatchObject({ count: 6, results: [{ timestamp: "2026-01-26T10:00:00Z" }] });
    // A page_size beyond the maximum is cut to it; a bad one falls back to the default.
    expect(((await get("/api/rt/", { ...window, page_size: "abc" })).body.results as unknown[]).length).toBe(6);
  });

  it("refuses bad parameters with DRF's wording", async () => {
    t = await start({ series: "gp.rt", tags: [{ param: "device_id", maxLength: 5 }] });
    expect(await get("/r/", { start_time: "yesterday", end_time: "2026-02-30T00:00:00Z" })).toEqual({
      status: 400,
      body: { start_time: ["Enter a valid date/time."], end_time: ["Enter a valid date/time."] },
    });
    expect((await get("/r/", { start_time: window.end_time, end_time: window.start_time })).body).toEqual({ non_field_errors: ["start_time must be before end_time."] });
    expect((await get("/r/", { device_id: "too-long" })).body).toEqual({ device_id: ["Ensure this field has no more than 5 characters."] });
    expect((await get("/r/", { ordering: "power" })).body).toEqual({ ordering: ['"power" is not a valid choice.'] });
    expect(await get("/r/", { page: "0" })).toEqual({ status: 404, body: { detail: "Invalid page." } });
    expect(await get("/r/", { page: "two" })).toEqual({ status: 404, body: { detail: "Invalid page." } });
    // Nothing stored: one empty page, not a 404.
    expect(await get("/r/", {})).toEqual({ status: 200, body: { count: 0, next: null, previous: null, results: [] } });
  });

  it("pages records of a collection, filtered by tags and body fields", async () => {
    await store.records.add([
      { collection: "events", time: BASE, tags: { device_id: "gp-001" }, body: { event_type: "alarm", message: "grid lost" } },
      { collection: "events", time: BASE + MIN, tags: { device_id: "gp-001" }, body: { event_type: "info", message: "grid back" } },
      { collection: "events", time: BASE + 2 * MIN, tags: { device_id: "gp-002" }, body: { event_type: "alarm", message: "door open" } },
    ]);
    t = await start({ source: "records", collection: "events", tags: [{ param: "device_id" }], fields: [{ param: "event_type", path: "event_type" }] });
    const alarms = await get("/api/events/", { ...window, event_type: "alarm" });
    expect(alarms.body).toMatchObject({ count: 2, next: null, previous: null });
    expect(alarms.body.results).toEqual([
      { id: expect.any(Number), device_id: "gp-002", event_type: "alarm", message: "door open", timestamp: "2026-01-26T10:02:00Z" },
      { id: expect.any(Number), device_id: "gp-001", event_type: "alarm", message: "grid lost", timestamp: "2026-01-26T10:00:00Z" },
    ]);
    const one = await get("/api/events/", { ...window, device_id: "gp-001", page_size: "1" });
    expect(one.body).toMatchObject({ count: 2, next: expect.stringContaining("page=2"), results: [{ message: "grid back" }] });
  });

  it("fails a message that is not a request with an error saying so", async () => {
    t = await start({ series: "gp.rt" });
    const completion = await t.injectTracked("list", { payload: 1 });
    expect(completion.outcome === "nack" && completion.error.message).toMatch(/wire it after an http-in/);
  });
});
