/**
 * The admin API answers only requests addressed to it by an allowed name and
 * sent from its own pages: a DNS-rebinding or cross-origin page must not
 * deploy a flow (that is, run code as the runtime's user).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { request, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import WebSocket from "ws";
import { startRuntime, type RunningRuntime } from "../start.js";
import { HostGuard, parseAllowedHosts } from "./host-guard.js";

const TOKEN = "admin-token-0123456789";
let rt: RunningRuntime;
let root: string;
let port: number;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wattflow-admin-"));
  mkdirSync(join(root, "flows"));
  rt = await startRuntime({
    port: 0,
    host: "127.0.0.1",
    httpPort: 0,
    httpHost: "127.0.0.1",
    dataDir: join(root, "data"),
    flowsDir: join(root, "flows"),
    token: TOKEN,
    allowedHosts: ["wattflow.lan"],
    watch: false,
    logger: pino({ level: "silent" }),
  });
  port = rt.adminPort;
}, 30_000);

afterAll(async () => {
  await rt?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A raw request, so Host can be anything (fetch would not let a test set it). */
function send(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, headers: { host: `127.0.0.1:${port}`, ...(text ? { "content-type": "application/json" } : {}), ...headers } },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (data += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data ? (JSON.parse(data) as Record<string, unknown>) : {} }));
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };
const flow = (id: string) => ({ flow: { format: "wattflow/flow@1", id, nodes: [{ id: "f", type: "function", config: { code: "return msg;" } }] } });

/** Opens /api/events; resolves with the HTTP status it was refused with, or 101 once open. */
function upgrade(headers: Record<string, string>, protocols: string[] = []): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`, protocols, { headers });
    ws.once("open", () => {
      resolve({ status: 101, body: ws.protocol });
      ws.close();
    });
    ws.once("unexpected-response", (_req, res) => {
      let data = "";
      res.on("data", (c: Buffer) => (data += String(c)));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    ws.once("error", reject);
  });
}

describe("Host and Origin checks", () => {
  it("refuses a DNS-rebinding request (foreign Host) with 403, even with the token, and deploys nothing", async () => {
    const r = await send("POST", "/api/flows", { ...auth, host: "evil.example" }, flow("rebound"));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: "forbidden", message: expect.stringContaining('Host "evil.example" is not allowed') });
    expect((await send("GET", "/", { host: `evil.example:${port}` })).status).toBe(403);
    expect((await send("GET", "/api/flows/rebound", auth)).status).toBe(404);
  });

  it("refuses a cross-origin request with 403", async () => {
    const r = await send("POST", "/api/flows", { ...auth, origin: "http://evil.example" }, flow("crossed"));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: "forbidden", message: expect.stringContaining('Origin "http://evil.example" is not allowed') });
    // The same host on another port is another origin.
    expect((await send("POST", "/api/flows", { ...auth, origin: `http://127.0.0.1:${port + 1}` }, flow("crossed"))).status).toBe(403);
    expect((await send("POST", "/api/flows", { ...auth, origin: "null" }, flow("crossed"))).status).toBe(403);
    expect((await send("GET", "/api/flows/crossed", auth)).status).toBe(404);
  });

  it("serves loopback names, the allowed hosts, and same-origin requests", async () => {
    expect((await send("POST", "/api/flows", { ...auth, origin: `http://127.0.0.1:${port}` }, flow("same-origin"))).status).toBe(201);
    for (const host of [`localhost:${port}`, "LOCALHOST", `[::1]:${port}`, "127.0.0.1", `wattflow.lan:${port}`]) {
      expect((await send("GET", "/api/flows/same-origin", { ...auth, host })).status, host).toBe(200);
    }
    expect((await send("GET", "/api/flows", { ...auth, host: `wattflow.lan:${port}`, origin: `https://wattflow.lan:${port}` })).status).toBe(200);
    expect((await send("GET", "/api/health", { host: "wattflow.lan.evil.example" })).status).toBe(403);
  });

  it("refuses the event stream upgrade for a foreign Host or Origin", async () => {
    const rebound = await upgrade({ ...auth, host: "evil.example" });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: "forbidden" });
    expect((await upgrade({ ...auth, origin: "http://evil.example" })).status).toBe(403);
    expect((await upgrade({ ...auth, origin: `http://127.0.0.1:${port}` })).status).toBe(101);
  });
});

describe("bearer tokens", () => {
  it("takes the token from the Authorization header only, never from the URL", async () => {
    expect((await send("GET", "/api/flows", {})).status).toBe(401);
    expect((await send("GET", `/api/flows?access_token=${TOKEN}`, {})).status).toBe(401);
    expect((await send("GET", "/api/flows", auth)).status).toBe(200);
  });

  it("opens the event stream with the token as a header or as the editor's subprotocol, not in the URL", async () => {
    const editorProtocols = ["wattflow.events", `wattflow.bearer.${Buffer.from(TOKEN).toString("base64url")}`];
    const opened = await upgrade({ origin: `http://127.0.0.1:${port}` }, editorProtocols);
    // The server answers with the stream's protocol, never echoing the token.
    expect(opened).toEqual({ status: 101, body: "wattflow.events" });
    expect((await upgrade({}, ["wattflow.events", `wattflow.bearer.${Buffer.from("wrong-token").toString("base64url")}`])).status).toBe(401);
    expect((await upgrade({})).status).toBe(401);
    const inUrl = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events?access_token=${TOKEN}`);
      ws.once("open", () => (resolve(101), ws.close()));
      ws.once("unexpected-response", (_q, res) => resolve(res.statusCode ?? 0));
      ws.once("error", reject);
    });
    expect(inUrl).toBe(401);
    expect((await upgrade(auth)).status).toBe(101);
  });
});

describe("HostGuard", () => {
  const check = (guard: HostGuard, host: string) => guard.check({ headers: { host } } as IncomingMessage).ok;

  it("trusts the bound address unless it is a wildcard, and the --allowed-hosts names", () => {
    const bound = new HostGuard({ boundHost: "192.168.1.5" });
    expect(check(bound, "192.168.1.5:1880")).toBe(true);
    expect(check(bound, "192.168.1.6:1880")).toBe(false);
    const wildcard = new HostGuard({ boundHost: "0.0.0.0", allowedHosts: parseAllowedHosts(" Wattflow.LAN:1880, ,10.0.0.2") });
    expect(check(wildcard, "0.0.0.0:1880")).toBe(false);
    expect(check(wildcard, "wattflow.lan")).toBe(true);
    expect(check(wildcard, "10.0.0.2:1880")).toBe(true);
    expect(check(wildcard, "127.0.0.1:1880")).toBe(true);
    expect(check(new HostGuard({ boundHost: "::" }), "[::]:1880")).toBe(false);
  });
});
