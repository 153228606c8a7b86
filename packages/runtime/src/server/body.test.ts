/** Hostile request bodies over real HTTP: refused with a clear 400/413, and the server goes on. */
import { afterEach, describe, expect, it } from "vitest";
import pino from "pino";
import { createFlowServer, type FlowServer } from "./flow-server.js";

let server: FlowServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("request bodies", () => {
  it("refuses deep, oversize, broken and non-UTF-8 bodies; keeps prototype keys as data; serves the next request", async () => {
    server = createFlowServer({ host: "127.0.0.1", port: 0, log: pino({ level: "silent" }), bodyLimitBytes: 1_000_000 });
    const seen: unknown[] = [];
    server.http.route("POST", "/in", (req) => {
      seen.push(req.body);
      return { status: 200, body: { ok: true } };
    });
    const { port } = await server.listen();
    const post = async (body: string | Buffer, type = "application/json"): Promise<{ status: number; body: { error?: string; message?: string } }> => {
      const res = await fetch(`http://127.0.0.1:${port}/in`, { method: "POST", headers: { "content-type": type }, body });
      return { status: res.status, body: (await res.json()) as { error?: string; message?: string } };
    };

    expect(await post("[".repeat(10_000) + "]".repeat(10_000))).toEqual({ status: 400, body: { error: "body too deep", message: "request body nests deeper than 64 levels" } });
    expect(await post('{"a":'.repeat(10_000) + "1" + "}".repeat(10_000))).toMatchObject({ status: 400, body: { error: "body too deep" } });
    expect((await post(JSON.stringify("x".repeat(5 * 1024 * 1024)))).status).toBe(413);
    expect(await post(Buffer.from([0x7b, 0x22, 0x76, 0x22, 0x3a, 0xc3, 0x28, 0x7d]))).toEqual({
      status: 400,
      body: { error: "invalid body", message: "request body (JSON, 8 bytes) is not valid UTF-8" },
    });
    expect(await post(Buffer.from([0x68, 0xff]), "text/plain")).toMatchObject({ status: 400, body: { error: "invalid body" } });
    expect(await post("{oops")).toMatchObject({ status: 400, body: { error: "invalid JSON body", message: expect.stringMatching(/^request body is not valid JSON/) } });
    expect(seen).toEqual([]);

    expect((await post('{"__proto__":{"polluted":1},"v":1}')).status).toBe(200);
    expect((await post('{"v":2}')).status).toBe(200);
    const first = seen[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
    expect(first.polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(first, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(seen[1]).toEqual({ v: 2 });
  });
});
