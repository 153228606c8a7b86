/**
 * http-request against a real local HTTP server: what is sent, the status and
 * parsed JSON that come back, retries of 5xx, and a timeout that fails the message.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import httpRequest from "./index.js";

type Seen = { method: string; path: string; auth: string | undefined; contentType: string | undefined; body: string };
const seen: Seen[] = [];
/** Answers for the next requests, in order; when none is queued the server echoes what it got as JSON. */
const answers: ((res: ServerResponse) => void)[] = [];
let server: Server;
let base: string;
let t: TestFlow | undefined;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s: Seen = { method: req.method!, path: req.url!, auth: req.headers.authorization, contentType: req.headers["content-type"], body: Buffer.concat(chunks).toString() };
      seen.push(s);
      const answer = answers.shift();
      if (answer) return answer(res);
      res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ got: s.body ? (JSON.parse(s.body) as unknown) : null, path: s.path }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  seen.length = 0;
  answers.length = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const start = (config: Record<string, unknown>, env: Record<string, string> = {}) =>
  startTestFlow({ nodes: [{ id: "call", type: "http-request", config, wires: [["out"]] }, { id: "out", type: "test-collect" }] }, { nodes: [httpRequest], env });

describe("http-request", () => {
  it("POSTs the payload as JSON with headers from the environment; the parsed answer and status come out", async () => {
    t = await start({ method: "POST", url: `${base}/api/readings`, headers: { authorization: "Bearer ${API_KEY}" }, retries: 0 }, { API_KEY: "k-123" });
    expect((await t.injectTracked("call", { payload: { power_w: 1200 } })).outcome).toBe("ack");
    const [out] = await t.waitFor("out", 1);
    expect(out!.statusCode).toBe(201);
    expect(out!.payload).toEqual({ got: { power_w: 1200 }, path: "/api/readings" });
    expect(seen).toEqual([{ method: "POST", path: "/api/readings", auth: "Bearer k-123", contentType: "application/json", body: '{"power_w":1200}' }]);
  });

  it("passes a 4xx on with its status and text body, without retrying; retries a 503", async () => {
    t = await start({ url: `${base}/x`, retries: 1 });
    answers.push((res) => res.writeHead(404, { "content-type": "text/plain" }).end("no such thing"));
    expect((await t.injectTracked("call", { payload: null })).outcome).toBe("ack");
    answers.push((res) => res.writeHead(503).end());
    expect((await t.injectTracked("call", { payload: null, url: `${base}/y` })).outcome).toBe("ack");
    const outs = await t.waitFor("out", 2);
    expect(outs.map((m) => [m.statusCode, m.payload])).toEqual([
      [404, "no such thing"],
      [201, { got: null, path: "/y" }],
    ]);
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(["GET /x", "GET /y", "GET /y"]);
  });

  it("fails the message, naming the call, when no answer comes within the timeout", async () => {
    t = await start({ url: `${base}/slow`, timeout: "200ms", retries: 0 });
    answers.push(() => undefined); // never answers
    const done = await t.injectTracked("call", { payload: null });
    expect(done.outcome).toBe("nack");
    expect(done.outcome === "nack" && done.error.message).toBe(`GET ${base}/slow: no answer within 200 ms`);
    expect(t.received("out")).toEqual([]);
  });
});
