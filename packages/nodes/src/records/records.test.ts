import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import recordWrite from "./record-write.js";
import recordQuery from "./record-query.js";
import retention from "../retention/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const HOUR = 3_600_000;

interface Page {
  count: number;
  page: number;
  pageSize: number;
  next: string | null;
  records: { id: number; time: number; tags: Record<string, string>; key?: string; body: Record<string, unknown> }[];
}

const flow = {
  nodes: [
    { id: "w", type: "record-write", config: { collection: "events", tags: { device_id: "payload.device_id", severity: "payload.severity" }, key: "payload.id" }, wires: [["written"]] },
    {
      id: "q",
      type: "record-query",
      config: {
        collection: "events",
        tags: { device_id: "{{req.query.device_id}}" },
        fields: { event_type: "{{req.query.event_type}}", "detail.open": "{{req.query.open}}" },
        from: "{{req.query.start_time}}",
        key: "{{req.params.id}}",
        page: "{{req.query.page|1}}",
        pageSize: "{{req.query.page_size|3}}",
        cursor: "{{req.query.cursor}}",
        maxPageSize: 50,
      },
      wires: [["out"], ["bad"]],
    },
    { id: "prune", type: "retention", config: { cron: "0 0 1 1 *", rules: [{ collection: "events", keep: "2h" }, { series: "x.*", keep: "1d" }] }, wires: [["report"]] },
    { id: "written", type: "test-collect" },
    { id: "out", type: "test-collect" },
    { id: "bad", type: "test-collect" },
    { id: "report", type: "test-collect" },
  ],
};

async function ask(flowT: TestFlow, req: { query?: Record<string, string>; params?: Record<string, string> }, n: number): Promise<Page> {
  await flowT.injectTracked("q", { req: { query: req.query ?? {}, params: req.params ?? {} } });
  const got = await flowT.waitFor("out", n);
  return got[n - 1]!.payload as Page;
}

describe("record-write and record-query", () => {
  it("keep typed bodies with tags, filter by tags and body fields, and page by page and by cursor", async () => {
    t = await startTestFlow(flow, { nodes: [recordWrite, recordQuery, retention] });
    const now = Date.now();
    for (let i = 0; i < 7; i++) {
      const payload = {
        id: `e${i}`,
        device_id: i < 5 ? "gp1" : "gp2",
        event_type: i % 2 === 0 ? "alarm" : "info",
        severity: "high",
        timestamp: new Date(now - (7 - i) * 60_000).toISOString(),
        value: i * 1.5,
        detail: { open: i === 4, note: `event ${i}` },
      };
      expect((await t.injectTracked("w", { payload })).outcome).toBe("ack");
    }
    const [first] = await t.waitFor("written", 1);
    expect(first!.record).toMatchObject({ collection: "events", key: "e0", tags: { device_id: "gp1", severity: "high" } });

    const gp1 = await ask(t, { query: { device_id: "gp1" } }, 1);
    expect(gp1.count).toBe(5);
    expect(gp1.records.map((r) => r.key)).toEqual(["e4", "e3", "e2"]);
    expect(gp1.records[0]!.body).toEqual({ id: "e4", device_id: "gp1", event_type: "alarm", severity: "high", timestamp: expect.any(String) as string, value: 6, detail: { open: true, note: "event 4" } });
    const next = await ask(t, { query: { device_id: "gp1", cursor: gp1.next! } }, 2);
    expect(next.records.map((r) => r.key)).toEqual(["e1", "e0"]);
    expect(next.next).toBeNull();
    const page2 = await ask(t, { query: { device_id: "gp1", page: "2" } }, 3);
    expect(page2.records.map((r) => r.key)).toEqual(["e1", "e0"]);

    expect((await ask(t, { query: { event_type: "alarm" } }, 4)).count).toBe(4);
    expect((await ask(t, { query: { open: "true" } }, 5)).count).toBe(0); // "true" is text; booleans match booleans
    expect((await ask(t, { params: { id: "e5" } }, 6)).records.map((r) => r.body.device_id)).toEqual(["gp2"]);

    // A record with the same key replaces the old one.
    await t.injectTracked("w", { payload: { id: "e5", device_id: "gp3", timestamp: now } });
    expect((await ask(t, { params: { id: "e5" } }, 7)).records[0]!.tags).toEqual({ device_id: "gp3" });

    await t.injectTracked("q", { req: { query: { page_size: "500" }, params: {} } });
    await t.injectTracked("q", { req: { query: { cursor: "garbage" }, params: {} } });
    const bad = await t.waitFor("bad", 2);
    expect(bad.map((m) => (m.payload as { message: string }).message)).toEqual(["page_size must be between 1 and 50 (got 500)", 'cursor "garbage" is not one this store gave out']);
  });

  it("retention removes records older than keep from their collection", async () => {
    t = await startTestFlow(flow, { nodes: [recordWrite, recordQuery, retention] });
    const now = Date.now();
    for (const [i, age] of [5, 3, 1, 0].entries()) await t.injectTracked("w", { payload: { id: `r${i}`, device_id: "gp1", timestamp: now - age * HOUR } });
    await t.injectTracked("prune", {});
    const [report] = await t.waitFor("report", 1);
    expect((report!.payload as { rules: unknown[] }).rules[0]).toMatchObject({ collection: "events", removed: 2 });
    const left = await ask(t, {}, 1);
    expect(left.records.map((r) => r.key)).toEqual(["r3", "r2"]);
  });

  it("a message without a body or with a bad key fails naming the collection", async () => {
    t = await startTestFlow(flow, { nodes: [recordWrite, recordQuery, retention] });
    const none = await t.injectTracked("w", { topic: "x" });
    expect(none.outcome === "nack" && none.error.message).toBe("events: the message has no payload to keep");
    const badKey = await t.injectTracked("w", { payload: { id: { no: 1 } } });
    expect(badKey.outcome === "nack" && badKey.error.message).toBe("events: the key at payload.id must be a string or number (got object)");
  });
});
