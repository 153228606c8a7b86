import { afterEach, describe, expect, it } from "vitest";
import { connect } from "node:net";
import pino from "pino";
import WebSocket from "ws";
import { createFlowServer, type FlowServer } from "./flow-server.js";

let server: FlowServer | undefined;
let base = "";
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(bodyLimitBytes?: number): Promise<FlowServer> {
  server = createFlowServer({ host: "127.0.0.1", port: 0, log: pino({ level: "silent" }), bodyLimitBytes });
  const { port } = await server.listen();
  base = `http://127.0.0.1:${port}`;
  return server;
}

describe("flow HTTP routes", () => {
  it("routes by method and exact path with parameters and query strings", async () => {
    const s = await start();
    s.http.route("GET", "/solar/data/", () => ({ status: 200, body: { slash: true } }));
    s.http.route("GET", "/api/devices/:id/readings", (req) => ({ status: 200, body: { id: req.params.id, hours: req.query.hours, tag: req.query.tag } }));
    expect(await (await fetch(`${base}/solar/data/`)).json()).toEqual({ slash: true });
    const missing = await fetch(`${base}/solar/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "not found", path: "/solar/nothing" });
    expect(await (await fetch(`${base}/api/devices/site%201/readings?hours=24&tag=a&tag=b`)).json()).toEqual({ id: "site 1", hours: "24", tag: ["a", "b"] });
    const wrong = await fetch(`${base}/solar/data/`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    expect(wrong.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("redirects a path missing (or adding) the trailing slash to the served one, keeping the query; 308 for POST", async () => {
    const s = await start();
    s.http.route("GET", "/solar/data/", (req) => ({ status: 200, body: { hours: req.query.hours } }));
    s.http.route("POST", "/solar/upload/", (req) => ({ status: 201, body: req.body }));
    s.http.route("GET", "/api/health", () => ({ status: 200, body: { ok: true } }));
    const noSlash = await fetch(`${base}/solar/data?hours=6`, { redirect: "manual" });
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers.get("location")).toBe("/solar/data/?hours=6");
    expect(await (await fetch(`${base}/solar/data?hours=6`)).json()).toEqual({ hours: "6" });
    const extraSlash = await fetch(`${base}/api/health/`, { redirect: "manual" });
    expect(extraSlash.status).toBe(301);
    expect(extraSlash.headers.get("location")).toBe("/api/health");
    // A POST follows a 308 with its method and body.
    const post = await fetch(`${base}/solar/upload`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ v: 1 }) });
    expect(post.status).toBe(201);
    expect(await post.json()).toEqual({ v: 1 });
    expect((await fetch(`${base}/solar/upload`, { method: "POST", body: "{}", redirect: "manual" })).status).toBe(308);
    // Only to a route of the same method: a GET for the POST-only path is not sent there.
    expect((await fetch(`${base}/solar/upload`, { redirect: "manual" })).status).toBe(404);
  });

  it("sends no CORS headers by default, and echoes only the origins a route lists", async () => {
    const s = await start();
    s.http.route("POST", "/open/", () => ({ status: 202 }));
    s.http.route("POST", "/dash/", () => ({ status: 202, body: { ok: true } }), { cors: ["https://dash.example"] });
    const preflight = (path: string, origin: string) =>
      fetch(`${base}${path}`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" } });

    const plain = await fetch(`${base}/open/`, { method: "POST", headers: { origin: "https://dash.example" } });
    expect(plain.status).toBe(202);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    const refused = await preflight("/open/", "https://dash.example");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    expect(await refused.json()).toMatchObject({ error: "forbidden", message: "POST /open/ does not accept cross-origin requests from https://dash.example" });

    const allowed = await preflight("/dash/", "https://dash.example");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://dash.example");
    expect(allowed.headers.get("access-control-allow-methods")).toBe("POST");
    expect(allowed.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect(allowed.headers.get("vary")).toBe("Origin");
    const other = await preflight("/dash/", "https://dash.example.evil");
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();

    const call = await fetch(`${base}/dash/`, { method: "POST", headers: { origin: "https://dash.example" } });
    expect(call.status).toBe(202);
    expect(call.headers.get("access-control-allow-origin")).toBe("https://dash.example");
    expect(call.headers.get("vary")).toBe("Origin");
    const foreign = await fetch(`${base}/dash/`, { method: "POST", headers: { origin: "http://evil.example" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(foreign.headers.get("vary")).toBe("Origin");
  });

  it("answers bad bodies and failing handlers with JSON errors and keeps serving", async () => {
    const s = await start(1000);
    s.http.route("POST", "/upload/", (req) => ({ status: 201, body: { got: req.body } }));
    s.http.route("GET", "/boom", () => {
      throw new Error("handler broke");
    });
    const post = (body: string, type = "application/json") => fetch(`${base}/upload/`, { method: "POST", headers: { "content-type": type }, body });
    expect(await (await post('{"v": 1}')).json()).toEqual({ got: { v: 1 } });
    const bad = await post("{nope");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid JSON body" });
    const huge = await post(JSON.stringify({ blob: "x".repeat(5000) }));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: "body too large" });
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toMatchObject({ error: "internal error", message: "handler broke" });
    expect((await post('{"still": "up"}')).status).toBe(201);
  });

  it("refuses a second route on the same method and path", async () => {
    const s = await start();
    s.http.route("GET", "/x", () => ({ status: 200 }));
    expect(() => s.http.route("GET", "/x", () => ({ status: 200 }))).toThrow(/already served/);
  });
});

describe("WebSocket endpoints", () => {
  it("broadcasts one JSON shape to every client on the exact path", async () => {
    const s = await start();
    const ep = s.ws.endpoint("/ws/solar/data/");
    const clients = [new WebSocket(`${base.replace("http", "ws")}/ws/solar/data/`), new WebSocket(`${base.replace("http", "ws")}/ws/solar/data/`)];
    await Promise.all(clients.map((c) => new Promise((r) => c.once("open", r))));
    const received = clients.map((c) => new Promise<unknown>((r) => c.once("message", (d) => r(JSON.parse(String(d))))));
    expect(ep.broadcast({ pv_array: { power: 90.92 } })).toBe(2);
    expect(await Promise.all(received)).toEqual([{ pv_array: { power: 90.92 } }, { pv_array: { power: 90.92 } }]);
    const wrong = new WebSocket(`${base.replace("http", "ws")}/ws/solar/data`);
    await expect(new Promise((resolve, reject) => (wrong.once("open", resolve), wrong.once("error", reject)))).rejects.toThrow(/404/);
    clients.forEach((c) => c.close());
  });

  it("drops a client that stops reading, counts it, and keeps serving the others", async () => {
    const s = await start();
    const ep = s.ws.endpoint("/ws/", { maxBufferedBytes: 64 * 1024 });
    const fast = new WebSocket(`${base.replace("http", "ws")}/ws/`);
    let fastGot = 0;
    fast.on("message", () => (fastGot += 1));
    await new Promise((r) => fast.once("open", r));
    // A raw client that completes the handshake and then never reads.
    const port = Number(new URL(base).port);
    const slow = connect(port, "127.0.0.1");
    slow.write(`GET /ws/ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await new Promise((r) => slow.once("data", r));
    slow.pause();
    for (const end = Date.now() + 5_000; ep.clientCount < 2 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
    expect(ep.clientCount).toBe(2);
    const frame = { blob: "x".repeat(64 * 1024) };
    for (let i = 0; i < 200 && ep.stats().droppedSlowClients === 0; i++) {
      ep.broadcast(frame);
      await new Promise((r) => setImmediate(r));
    }
    expect(ep.stats().droppedSlowClients).toBe(1);
    for (const end = Date.now() + 5_000; (fastGot === 0 || ep.clientCount !== 1) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
    expect(fastGot).toBeGreaterThan(0);
    expect(ep.clientCount).toBe(1);
    slow.destroy();
    fast.close();
  });
});
