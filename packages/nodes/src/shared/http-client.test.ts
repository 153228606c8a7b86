/**
 * The client nodes' HTTP client against a real local server: what is sent, redirects, compressed answers,
 * failures shaped as fetch shapes them, and that it never loads Node's fetch stack (observable in a fresh
 * process's list of loaded internal modules).
 */
import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpFetch } from "./http-client.js";

type Seen = { method: string; path: string; auth: string | undefined; body: string };
const seen: Seen[] = [];
let server: Server;
let base: string;
let redirectClosed = false;

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method!, path: req.url!, auth: req.headers.authorization, body });
  if (req.url === "/moved") return void res.writeHead(302, { location: "/json" }).end();
  if (req.url === "/see-other") return void res.writeHead(303, { location: "/json" }).end();
  if (req.url === "/away") return void res.writeHead(307, { location: `http://localhost:${(server.address() as AddressInfo).port}/json` }).end();
  if (req.url === "/gzip") return void res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" }).end(gzipSync("squeezed"));
  if (req.url === "/gzip-cut") return void res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" }).end(gzipSync("cut short").subarray(0, -8));
  if (req.url === "/gzip-empty") return void res.writeHead(204, { "content-encoding": "gzip" }).end();
  if (req.url === "/bom") return void res.writeHead(200, { "content-type": "application/json" }).end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]));
  if (req.url === "/gzip-br") return void res.writeHead(200, { "content-encoding": "gzip, br" }).end(brotliCompressSync(gzipSync("twice")));
  // 4 MB of zeros, about 4 KB on the wire.
  if (req.url === "/bomb") return void res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync(Buffer.alloc(4 * 1024 * 1024)));
  if (req.url === "/bad-gzip") return void res.writeHead(200, { "content-encoding": "gzip" }).end(Buffer.from("not gzip at all"));
  if (req.url === "/missing") return void res.writeHead(404, { "content-type": "text/plain" }).end("no such thing ".repeat(100));
  if (req.url === "/cut") {
    res.writeHead(200, { "content-length": "1000" });
    res.write("only the start");
    return void setTimeout(() => res.socket?.destroy(), 50);
  }
  if (req.url === "/endless-redirect") {
    res.writeHead(302, { location: "/json" });
    const drip = setInterval(() => res.write("x".repeat(1024)), 5);
    return void res.once("close", () => {
      clearInterval(drip);
      redirectClosed = true;
    });
  }
  if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2000);
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method, body }));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => route(req, res, Buffer.concat(chunks).toString()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Connections the server holds open now (closed ones are counted out once their close has been seen). */
async function openConnections(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

describe("httpFetch", () => {
  it("sends the method, headers and body, and reads the answer as text or JSON", async () => {
    const res = await httpFetch(`${base}/json`, { method: "POST", headers: { Authorization: "Bearer t", "content-type": "application/json" }, body: '{"a":1}' });
    expect([res.status, res.ok, res.headers.get("Content-Type")]).toEqual([200, true, "application/json"]);
    expect(await res.json()).toEqual({ method: "POST", body: '{"a":1}' });
    expect(seen.at(-1)).toMatchObject({ method: "POST", path: "/json", auth: "Bearer t" });
  });

  it("follows redirects as fetch does: a 303 or a POST's 302 goes on as a GET, credentials stay with their origin", async () => {
    expect(await (await httpFetch(`${base}/moved`)).json()).toEqual({ method: "GET", body: "" });
    const posted = await httpFetch(`${base}/see-other`, { method: "POST", body: "x" });
    expect([posted.url, await posted.json()]).toEqual([`${base}/json`, { method: "GET", body: "" }]);
    await httpFetch(`${base}/away`, { headers: { authorization: "Bearer secret" } });
    expect(seen.slice(-2).map((s) => s.auth)).toEqual(["Bearer secret", undefined]);
  });

  it("decompresses a compressed answer", async () => {
    expect(await (await httpFetch(`${base}/gzip`)).text()).toBe("squeezed");
    // As fetch: a body cut short gives what it held, an empty 204 gives "", and a UTF-8 byte-order mark is dropped.
    expect(await (await httpFetch(`${base}/gzip-cut`)).text()).toBe("cut short");
    const empty = await httpFetch(`${base}/gzip-empty`);
    expect([empty.status, await empty.text()]).toEqual([204, ""]);
    expect(await (await httpFetch(`${base}/bom`)).json()).toEqual({ a: 1 });
  });

  it("fails as fetch fails: a TimeoutError from a timeout signal, a TypeError with the socket error as its cause", async () => {
    await expect(httpFetch(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: "TimeoutError" });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await httpFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e as TypeError & { cause: { code: string } });
    expect(err).toBeInstanceOf(TypeError);
    expect(err.cause.code).toBe("ECONNREFUSED");
  });

  it("closes a redirect's connection rather than read its body (one that never ends would be read for good)", async () => {
    expect(await (await httpFetch(`${base}/endless-redirect`, { signal: AbortSignal.timeout(2000) })).json()).toEqual({ method: "GET", body: "" });
    for (let i = 0; i < 50 && !redirectClosed; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(redirectClosed).toBe(true);
  });

  it("decodes a body compressed twice, last coding first", async () => {
    expect(await (await httpFetch(`${base}/gzip-br`)).text()).toBe("twice");
  });

  it("refuses an answer larger than its limit, counted after decompression, and goes on", async () => {
    const err = await httpFetch(`${base}/bomb`, { maxBodyBytes: 1024 * 1024 }).catch((e: unknown) => e as TypeError & { cause: Error });
    expect(err).toBeInstanceOf(TypeError);
    expect(err.cause.message).toBe("the answer is larger than 1048576 bytes");
    expect((await (await httpFetch(`${base}/bomb`)).text()).length).toBe(4 * 1024 * 1024);
  });

  it("leaves no connection open for an answer the caller never reads, nor for one it cannot decode", async () => {
    const before = await openConnections();
    for (let i = 0; i < 10; i++) expect((await httpFetch(`${base}/missing`)).status).toBe(404);
    for (let i = 0; i < 5; i++) await expect(httpFetch(`${base}/bad-gzip`)).rejects.toThrow("terminated");
    // Read answers leave their connection for the next call (keep-alive); a corrupt one is closed: at most one more open.
    expect(await openConnections()).toBeLessThanOrEqual(before + 1);
  });

  it("fails at once when the connection closes before the end of the answer", async () => {
    const err = await httpFetch(`${base}/cut`, { signal: AbortSignal.timeout(5000) }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe("terminated");
  });

  it("does not load Node's fetch implementation", async () => {
    const built = pathToFileURL(fileURLToPath(new URL("../../dist/shared/http-client.js", import.meta.url))).href;
    const script = `const { httpFetch } = await import(${JSON.stringify(built)});
const res = await httpFetch(${JSON.stringify(`${base}/json`)});
await res.json();
const undici = process.moduleLoadList.filter((m) => m.includes("undici"));
await fetch(${JSON.stringify(`${base}/json`)}).then((r) => r.text());
process.stdout.write(JSON.stringify({ before: undici, after: process.moduleLoadList.filter((m) => m.includes("undici")).length }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script]);
    const { before, after } = JSON.parse(stdout) as { before: string[]; after: number };
    expect(before).toEqual([]);
    // The same list does show fetch's stack once fetch is used, so an empty list above is not a list that never shows it.
    expect(after).toBeGreaterThan(0);
  });
});
