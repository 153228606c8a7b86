import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import express from "express";
import { editorAssets, IMMUTABLE } from "./editor-assets.js";

let dir: string;
let server: Server;
let port: number;
const script = `console.log(${JSON.stringify("wattflow ".repeat(2000))});`;

/** A raw GET, so the body arrives as sent (fetch would decompress it). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: "127.0.0.1", port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on("error", reject)
      .end();
  });
}

describe("editor assets", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wattflow-editor-assets-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "assets", "index-abc123.js"), script);
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>Wattflow</title>");
    const app = express();
    app.use(editorAssets(dir));
    app.use((_q, r) => void r.status(404).send("next"));
    server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends hashed assets compressed, cached for a year", async () => {
    const br = await get("/assets/index-abc123.js", { "accept-encoding": "gzip, deflate, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers["cache-control"]).toBe(IMMUTABLE);
    expect(br.body.length).toBeLessThan(script.length / 10);
    expect(brotliDecompressSync(br.body).toString()).toBe(script);
    const gz = await get("/assets/index-abc123.js", { "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.body).toString()).toBe(script);
    const plain = await get("/assets/index-abc123.js");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
    expect((await get("/assets/index-abc123.js", { "if-none-match": String(br.headers.etag) })).status).toBe(304);
  });

  it("has index.html revalidated on every load, and leaves other paths alone", async () => {
    const index = await get("/", { "accept-encoding": "gzip" });
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(gunzipSync(index.body).toString()).toContain("<title>Wattflow</title>");
    expect((await get("/assets/missing.js")).body.toString()).toBe("next");
    expect((await get("/assets/..%2f..%2fetc%2fpasswd.js")).body.toString()).toBe("next");
  });
});
