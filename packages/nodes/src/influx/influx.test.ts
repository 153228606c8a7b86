import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import { openStore, type NodeStatus } from "@wattflow/runtime";
import { startInfluxd, influxdAvailable, type Influxd } from "../../../../test/services/influxd.js";
import { freePort } from "../../../../test/services/ports.js";
import catchNode from "../catch/index.js";
import influxdb from "./connection.js";
import influxWrite, { outboxName } from "./write.js";
import influxQuery from "./query.js";
import { retryDelay } from "./backoff.js";
import { refusedInPartialWrite } from "./delivery.js";
import { fillQuery, influxqlLiteral } from "./literals.js";
import { fieldLeaves } from "./lines.js";

const defs = { nodes: [influxWrite, influxQuery, catchNode], connections: [influxdb] };

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const v1 = (url: string, database: string, extra: Record<string, unknown> = {}) => ({ id: "influx", type: "influxdb", config: { url, version: "v1", database, ...extra } });

/** A flow with one influx-write `w` (errors to `errors`) and one influx-query `q` (rows to `rows`). */
const flow = (connection: ReturnType<typeof v1>, write: Record<string, unknown>, query = "SELECT * FROM m") => ({
  connections: [connection],
  nodes: [
    { id: "w", type: "influx-write", config: { server: "influx", measurement: "m", flushInterval: "10ms", ...write } },
    { id: "q", type: "influx-query", config: { server: "influx", query }, wires: [["rows"]] },
    { id: "rows", type: "test-collect" },
    { id: "c", type: "catch", wires: [["errors"]] },
    { id: "errors", type: "test-collect" },
  ],
});

const status = (): NodeStatus | undefined => t!.engine.statuses().find((s) => s.nodeId === "w")?.status;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!influxdAvailable)("influx-write and influx-query against a real influxd (1.x API)", () => {
  let influx: Influxd;
  let dbCount = 0;
  beforeAll(async () => {
    influx = await startInfluxd();
  });
  afterAll(async () => {
    await influx?.close();
  });

  const createDb = async (): Promise<string> => {
    dbCount += 1;
    const db = `test_${dbCount}`;
    const r = await influx.query(db, `CREATE DATABASE ${db}`);
    expect(r.results[0]?.error).toBeUndefined();
    return db;
  };
  const select = async (db: string, q: string) => {
    const r = await influx.query(db, q);
    expect(r.results[0]?.error).toBeUndefined();
    return r.results[0]?.series ?? [];
  };

  it("writes tags, measurement and string fields with spaces, commas, equals signs, quotes and backslashes exactly", async () => {
    const db = await createDb();
    const measurement = 'heat pump,unit="a"=1';
    const tagValue = 'hall 2, north="x"=y';
    const note = 'he said "hi", a=b \\ done';
    t = await startTestFlow(
      flow(v1(influx.url, db), { measurement, tags: { "device id": "params.device_id", "zone,x": "params.zone" }, time: "payload.at" }),
      defs,
    );
    const done = await t.injectTracked("w", {
      payload: { at: "2024-05-01T10:00:00.000Z", temperature: { inlet: 41.5, outlet: 35 }, running: true, note, count: 3 },
      params: { device_id: tagValue, zone: "a b" },
    });
    expect(done).toEqual({ outcome: "ack" });

    const [series, ...others] = await select(db, "SELECT * FROM /.*/");
    expect(others).toHaveLength(0);
    expect(series!.name).toBe(measurement);
    const row = Object.fromEntries(series!.columns.map((c, i) => [c, series!.values[0]![i]]));
    expect(row).toEqual({
      time: "2024-05-01T10:00:00Z",
      "device id": tagValue,
      "zone,x": "a b",
      "temperature.inlet": 41.5,
      "temperature.outlet": 35,
      running: true,
      note,
      count: 3,
    });
    // The time path is not written as a field; whole numbers went out as floats (no type conflict with 3.5 later).
    const keys = await select(db, "SHOW FIELD KEYS");
    expect(Object.fromEntries(keys[0]!.values.map((v) => [v[0], v[1]]))).toEqual({ count: "float", note: "string", running: "boolean", "temperature.inlet": "float", "temperature.outlet": "float" });
  });

  it("batches many messages and completes each one only once it is written", async () => {
    const db = await createDb();
    t = await startTestFlow(flow(v1(influx.url, db), { batchSize: 400, flushInterval: "50ms", fields: ["v"] }), defs);
    const base = Date.parse("2024-01-01T00:00:00Z");
    const completions = Array.from({ length: 1000 }, (_, i) => t!.injectTracked("w", { payload: { v: i, ignored: 1, timestamp: base + i * 1000 } }));
    expect(new Set((await Promise.all(completions)).map((c) => c.outcome))).toEqual(new Set(["ack"]));
    const [count] = await select(db, "SELECT count(v), sum(v) FROM m");
    expect(count!.values[0]!.slice(1)).toEqual([1000, (999 * 1000) / 2]);
    expect(await select(db, "SELECT count(ignored) FROM m")).toEqual([]);
    expect(status()?.text).toBe("1000 written, 0 queued, 0 dropped");
  });

  it("joins batches that queued behind a write in flight into one request", async () => {
    const db = await createDb();
    const writeRequests = async (): Promise<number> => {
      const [httpd] = await select(db, "SHOW STATS FOR 'httpd'");
      return httpd!.values[0]![httpd!.columns.indexOf("writeReq")] as number;
    };
    t = await startTestFlow(flow(v1(influx.url, db), { batchSize: 100, fields: ["v"] }), defs);
    const before = await writeRequests();
    const base = Date.parse("2024-01-01T00:00:00Z");
    // Ten batches fill in one turn: the first is written alone, the nine behind it as one request.
    const completions = Array.from({ length: 1000 }, (_, i) => t!.injectTracked("w", { payload: { v: i, timestamp: base + i * 1000 } }));
    expect(new Set((await Promise.all(completions)).map((c) => c.outcome))).toEqual(new Set(["ack"]));
    expect((await writeRequests()) - before).toBe(2);
    const [count] = await select(db, "SELECT count(v) FROM m");
    expect(count!.values[0]![1]).toBe(1000);
  });

  it("keeps points in the outbox while influxd is stopped and writes every one, in order, once it is back", async () => {
    const db = await createDb();
    t = await startTestFlow(flow(v1(influx.url, db), { retries: 0, maxRetryDelay: "1s", batchSize: 5, fields: ["seq"] }), defs);
    const base = Date.parse("2024-02-01T00:00:00Z");
    // Two messages share each timestamp: the later one must win, which it only does if order is kept.
    const send = (seq: number, slot = Math.floor(seq / 2)) => t!.injectTracked("w", { payload: { seq, timestamp: base + slot * 1000 } });
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i)));
    expect(first.every((c) => c.outcome === "ack")).toBe(true);

    await influx.stop();
    const during = await Promise.all(Array.from({ length: 50 }, (_, i) => send(10 + i)));
    expect(during.every((c) => c.outcome === "ack")).toBe(true);
    const name = outboxName(t.flowId, "w");
    expect(await t.store.outbox.size(name)).toBe(50);
    expect(status()).toMatchObject({ fill: "yellow", text: expect.stringMatching(/^10 written, 50 queued, 0 dropped: .*unreachable/) });

    await influx.start();
    // A point sent once the server is back shares the last queued point's time: it must land after it, not be overwritten by it.
    expect((await send(60, 29)).outcome).toBe("ack");
    await until("61 points written", () => status()?.text === "61 written, 0 queued, 0 dropped");
    expect(await t.store.outbox.size(name)).toBe(0);

    const [series] = await select(db, "SELECT seq FROM m");
    expect(series!.values.map((v) => v[1])).toEqual([...Array.from({ length: 29 }, (_, k) => 2 * k + 1), 60]);
  });

  it("bounds the outbox: past outboxLimit the oldest points are dropped and counted, and no password shows", async () => {
    const closedPort = await freePort();
    t = await startTestFlow(
      flow(v1(`http://127.0.0.1:${closedPort}`, "nowhere", { username: "admin", password: "hunter2-secret" }), { retries: 0, maxRetryDelay: "1h", batchSize: 1, outboxLimit: 5, fields: ["seq"] }),
      defs,
    );
    for (let seq = 0; seq < 12; seq++) expect((await t.injectTracked("w", { payload: { seq } })).outcome).toBe("ack");
    const name = outboxName(t.flowId, "w");
    const kept = (await t.store.outbox.peek<string>(name, 100)).map((i) => /seq=(\d+)/.exec(i.item)![1]);
    expect(kept).toEqual(["7", "8", "9", "10", "11"]);
    expect(status()).toMatchObject({ fill: "red", text: expect.stringMatching(/^0 written, 5 queued, 7 dropped: /) });
    expect(JSON.stringify(t.events)).not.toContain("hunter2");
  });

  it("reports a field type conflict with the server's message and goes on with later points", async () => {
    const db = await createDb();
    t = await startTestFlow(flow(v1(influx.url, db), { time: "" }), defs);
    expect((await t.injectTracked("w", { payload: { v: 1.5 } })).outcome).toBe("ack");
    expect((await t.injectTracked("w", { payload: { v: "text" } })).outcome).toBe("ack");
    const [err] = await t.waitFor("errors", 1);
    expect((err!.error as { message: string }).message).toMatch(/HTTP 400 .*field type conflict.*\(1 point skipped\)/);
    expect((await t.injectTracked("w", { payload: { v: 2.5 } })).outcome).toBe("ack");
    const [series] = await select(db, "SELECT v FROM m");
    expect(series!.values.map((v) => v[1])).toEqual([1.5, 2.5]);
    expect(status()?.text).toBe("2 written, 0 queued, 0 dropped, 1 rejected");
  });

  it("a batch refused for one conflicting point is split: the good points are written, the bad one counted", async () => {
    const db = await createDb();
    t = await startTestFlow(flow(v1(influx.url, db), { batchSize: 3, flushInterval: "1h", time: "payload.at" }), defs);
    const outcomes = await Promise.all([
      t.injectTracked("w", { payload: { v: 1.5, at: 1000 } }),
      t.injectTracked("w", { payload: { v: "oops", at: 2000 } }),
      t.injectTracked("w", { payload: { v: 3.5, at: 3000 } }),
    ]);
    expect(outcomes.every((c) => c.outcome === "ack")).toBe(true);
    await t.waitFor("errors", 1);
    const [series] = await select(db, "SELECT v FROM m");
    expect(series!.values.map((v) => v[1])).toEqual([1.5, 3.5]);
    expect(status()?.text).toBe("2 written, 0 queued, 0 dropped, 1 rejected");

    // Now that v is a float, InfluxDB writes the good points itself and names how many it dropped.
    await Promise.all([
      t.injectTracked("w", { payload: { v: 4.5, at: 4000 } }),
      t.injectTracked("w", { payload: { v: false, at: 5000 } }),
      t.injectTracked("w", { payload: { v: 6.5, at: 6000 } }),
    ]);
    const errors = await t.waitFor("errors", 2);
    expect((errors[1]!.error as { message: string }).message).toMatch(/partial write: field type conflict.*dropped=1 \(1 point skipped\)$/);
    const [after] = await select(db, "SELECT v FROM m");
    expect(after!.values.map((v) => v[1])).toEqual([1.5, 3.5, 4.5, 6.5]);
    expect(status()?.text).toBe("4 written, 0 queued, 0 dropped, 2 rejected");
  });

  it("an outbox left by a stopped flow is written when the node starts again", async () => {
    const db = await createDb();
    const store = openStore({ memory: true });
    try {
      const closedPort = await freePort();
      t = await startTestFlow(flow(v1(`http://127.0.0.1:${closedPort}`, db), { retries: 0, maxRetryDelay: "1h", time: "payload.at" }), { ...defs, store });
      for (let i = 0; i < 3; i++) expect((await t.injectTracked("w", { payload: { v: i, at: 1000 * (i + 1) } })).outcome).toBe("ack");
      await t.stop();
      const name = outboxName("test", "w");
      expect(await store.outbox.size(name)).toBe(3);

      t = await startTestFlow(flow(v1(influx.url, db), { time: "payload.at" }), { ...defs, store });
      await until("the old outbox to drain", async () => await store.outbox.size(name) === 0);
      const [series] = await select(db, "SELECT v FROM m");
      expect(series!.values.map((v) => v[1])).toEqual([0, 1, 2]);
    } finally {
      await t?.stop();
      t = undefined;
      await store.close();
    }
  });

  it("a message that line protocol cannot carry fails alone, naming the tag", async () => {
    const db = await createDb();
    t = await startTestFlow(flow(v1(influx.url, db), { tags: { site: "params.site" } }), defs);
    const bad = await t.injectTracked("w", { payload: { v: 1 }, params: { site: "ends\\" } });
    expect(bad.outcome).toBe("nack");
    expect(bad.outcome === "nack" && bad.error.message).toMatch(/tag site value "ends\\" ends with a backslash/);
    expect((await t.injectTracked("w", { payload: { v: 2 }, params: { site: "ok" } })).outcome).toBe("ack");
    const [series] = await select(db, "SELECT v FROM m");
    expect(series!.values.map((v) => v[1])).toEqual([2]);
  });

  it("influx-query returns flat rows and inserts message values as escaped literals", async () => {
    const db = await createDb();
    const device = `it's "x" \\ here`;
    const q = "SELECT power FROM m WHERE device = {{payload.device}} AND time >= {{payload.from}} - {{payload.hours|24}}h";
    t = await startTestFlow(flow(v1(influx.url, db), { tags: { device: "payload.device" }, time: "payload.at" }, q), defs);
    const at = Date.parse("2024-03-01T12:00:00Z");
    for (const [i, d] of [device, "a", device].entries()) {
      expect((await t.injectTracked("w", { payload: { device: d, power: 100 + i, at: at + i * 1000 } })).outcome).toBe("ack");
    }
    t.inject("q", { payload: { device, from: "2024-03-01T12:00:00Z" } });
    const [result] = await t.waitFor("rows", 1);
    expect(result!.payload).toEqual([
      { time: at, power: 100 },
      { time: at + 2000, power: 102 },
    ]);
    // A value that tries to close the literal is just a string that matches nothing.
    t.inject("q", { payload: { device: "x' OR device = 'a", from: "2024-03-01T12:00:00Z" } });
    const [, injected] = await t.waitFor("rows", 2);
    expect(injected!.payload).toEqual([]);
    // A missing value without a default runs nothing and says which.
    t.inject("q", { payload: { from: "2024-03-01T12:00:00Z" } });
    const [err] = await t.waitFor("errors", 1);
    expect((err!.error as { message: string }).message).toMatch(/payload\.device is missing from the message/);
  });

  it("influx-query reports the server's error for a bad statement", async () => {
    const db = await createDb();
    t = await startTestFlow(flow(v1(influx.url, db), {}, "SELECT FROM WHERE"), defs);
    t.inject("q", { payload: null });
    const [err] = await t.waitFor("errors", 1);
    expect((err!.error as { message: string }).message).toMatch(new RegExp(`^InfluxQL query on ${influx.url.replace(/\./g, "\\.")} database "${db}": .*error parsing query`));
  });
});

describe("influxdb v2 requests (a local HTTP server standing in for InfluxDB 2.x)", () => {
  let server: Server;
  let url: string;
  const seen: { method: string; path: string; query: URLSearchParams; headers: IncomingMessage["headers"]; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const u = new URL(req.url!, "http://x");
        seen.push({ method: req.method!, path: u.pathname, query: u.searchParams, headers: req.headers, body });
        if (u.pathname === "/api/v2/write") {
          res.writeHead(204).end();
        } else if (u.pathname === "/api/v2/query") {
          res.writeHead(200, { "content-type": "text/csv" }).end(
            [
              "#datatype,string,long,dateTime:RFC3339,double,string,string",
              "#group,false,false,false,false,true,true",
              "#default,_result,,,,,",
              ",result,table,_time,_value,_field,device",
              ',,0,2024-01-01T00:00:00Z,1.5,power,"it""s"',
              "",
            ].join("\r\n"),
          );
        } else res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const v2 = () => ({ id: "influx", type: "influxdb", config: { url, version: "v2", org: "my org", bucket: "energy&more", token: "x" } });

  it("writes line protocol to /api/v2/write with org, bucket, ms precision and the token", async () => {
    seen.length = 0;
    t = await startTestFlow(
      { connections: [v2()], nodes: [{ id: "w", type: "influx-write", config: { server: "influx", measurement: "{{topic}}", tags: { site: "params.site" }, flushInterval: "10ms" } }] },
      defs,
    );
    const outcomes = await Promise.all([
      t.injectTracked("w", { topic: "heat pump", params: { site: "a,b" }, payload: { power: 1200, mode: "heat", timestamp: 1_700_000_000_000 } }),
      t.injectTracked("w", { topic: "heat pump", params: { site: "a,b" }, payload: { power: 1250.5, mode: 'say "hi"', timestamp: "2023-11-14T22:13:21.000Z" } }),
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(["ack", "ack"]);
    const writes = seen.filter((r) => r.path === "/api/v2/write");
    expect(writes).toHaveLength(1);
    const w = writes[0]!;
    expect(w.method).toBe("POST");
    expect(Object.fromEntries(w.query)).toEqual({ org: "my org", bucket: "energy&more", precision: "ms" });
    expect(w.headers.authorization).toBe("Token x");
    expect(w.body).toBe(['heat\\ pump,site=a\\,b mode="heat",power=1200 1700000000000', 'heat\\ pump,site=a\\,b mode="say \\"hi\\"",power=1250.5 1700000001000'].join("\n"));
  });

  it("runs Flux through /api/v2/query with the token and inserts values as Flux literals", async () => {
    seen.length = 0;
    t = await startTestFlow(
      {
        connections: [v2()],
        nodes: [
          { id: "q", type: "influx-query", config: { server: "influx", query: 'from(bucket: "energy") |> range(start: -1h) |> filter(fn: (r) => r.device == {{payload.device}})', output: "rows" }, wires: [["rows"]] },
          { id: "rows", type: "test-collect" },
        ],
      },
      defs,
    );
    t.inject("q", { payload: { device: 'it"s ${x}' } });
    const [out] = await t.waitFor("rows", 1);
    expect(out!.rows).toEqual([{ result: "_result", table: 0, _time: "2024-01-01T00:00:00Z", _value: 1.5, _field: "power", device: 'it"s' }]);
    const q = seen.find((r) => r.path === "/api/v2/query")!;
    expect(q.query.get("org")).toBe("my org");
    expect(q.headers.authorization).toBe("Token x");
    expect((JSON.parse(q.body) as { query: string }).query).toBe('from(bucket: "energy") |> range(start: -1h) |> filter(fn: (r) => r.device == "it\\"s \\${x}")');
  });

  it("a v2 connection without a token is refused, naming the connection and the field", async () => {
    t = await startTestFlow(
      { connections: [{ id: "influx", type: "influxdb", config: { url, version: "v2", org: "o", bucket: "b" } }], nodes: [{ id: "w", type: "influx-write", config: { server: "influx", measurement: "m" } }] },
      defs,
    );
    expect(status()?.fill).toBe("red");
    const failed = t.events.find((e) => e.type === "error" && e.nodeId === "w");
    expect(failed && "message" in failed && failed.message).toContain('connection "influx" failed to start: influxdb connection influx: token is empty (set INFLUX_TOKEN');
  });
});

describe("influx helpers", () => {
  it("backs off exponentially, capped, with jitter between half and all of the delay", async () => {
    expect([1, 2, 3, 4].map((a) => retryDelay(a, 60_000, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelay(4, 60_000, () => 0)).toBe(2000);
    expect(retryDelay(40, 3000, () => 1)).toBe(3000);
  });

  it("counts refused points of a partial write", async () => {
    expect(refusedInPartialWrite('partial write: field type conflict: input field "v" … dropped=2', 10)).toBe(2);
    expect(refusedInPartialWrite("partial write: unable to parse 'm v=1 x': bad timestamp dropped=0", 10)).toBe(1);
  });

  it("InfluxQL literals cannot end their quotes", async () => {
    expect(influxqlLiteral("it's \\ here\n", "p")).toBe("'it\\'s \\\\ here\\n'");
    expect(influxqlLiteral(-2.5, "p")).toBe("-2.5");
    expect(() => influxqlLiteral({ a: 1 }, "payload.x")).toThrow("payload.x is an object; only numbers");
    expect(() => influxqlLiteral(Number.NaN, "payload.x")).toThrow("payload.x is NaN, not a finite number");
    const msg = { _msgid: "1", payload: { device: "{{payload.other}}", other: "no" } };
    expect(fillQuery("a = {{payload.device}} AND b = {{msg.payload.missing|24}}", msg, influxqlLiteral)).toBe("a = '{{payload.other}}' AND b = 24");
  });

  it("takes number, boolean and string leaves with dotted names", async () => {
    expect(fieldLeaves({ t: { inlet: 41.5, bad: Number.NaN }, on: true, mode: "heat", list: [1], none: null })).toEqual({ "t.inlet": 41.5, on: true, mode: "heat" });
  });
});

describe("a connection with no url", () => {
  it("turns InfluxDB off: influx-write passes messages on, influx-query says why it cannot answer", async () => {
    const t = await startTestFlow(
      {
        connections: [{ id: "db", type: "influxdb", config: { url: "", version: "v1", database: "x" } }],
        nodes: [
          { id: "w", type: "influx-write", config: { server: "db", measurement: "m" }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
          { id: "q", type: "influx-query", config: { server: "db", query: "SELECT * FROM m" } },
        ],
      },
      defs,
    );
    try {
      expect((await t.injectTracked("w", { payload: { v: 1 } })).outcome).toBe("ack");
      expect(await t.waitFor("out", 1)).toHaveLength(1);
      expect(t.engine.statuses().find((s) => s.nodeId === "w")?.status?.text).toBe("off: the influxdb connection has no url");
      const q = await t.injectTracked("q", { payload: null });
      expect(q.outcome === "nack" && q.error.message).toMatch(/InfluxDB is off/);
    } finally {
      await t.stop();
    }
  });
});
