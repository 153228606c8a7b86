/**
 * The admin API's context viewer routes (node, flow and global scopes) and the
 * read-only view of code files deployed nodes reference, on a real runtime,
 * behind the token and the Host/Origin guard.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startRuntime, type RunningRuntime } from "../start.js";
import { CONTEXT_VALUE_LIMIT, type ContextListing } from "./context-api.js";
import { writePlugin } from "../../../../test/fakes/plugin.js";

const TOKEN = "context-token-0123456789";
let rt: RunningRuntime;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wattflow-context-"));
  const flowsDir = join(root, "flows");
  mkdirSync(flowsDir);
  // Writes one key in each scope when it starts, and a value too large to send whole.
  writePlugin(
    join(root, "plugins"),
    "keeper",
    `export default { nodes: [{ type: "test-keeper", category: "test", summary: "keeps context",
       config: { type: "object", properties: { tag: { type: "string" } } }, inputs: 0, outputs: [],
       create(node, c) { return { start() {
         node.context.set("seen", { tag: c.tag, count: 3 });
         node.flowContext.set("last-" + c.tag, 42);
         node.globalContext.set("site", "north");
         node.context.set("big", "x".repeat(${CONTEXT_VALUE_LIMIT} + 10));
       } }; } }] };`,
  );
  mkdirSync(join(flowsDir, "code"));
  writeFileSync(join(flowsDir, "code", "double.js"), "return { payload: msg.payload * 2 };\n");
  writeFileSync(join(flowsDir, "code.json"), JSON.stringify({ format: "wattflow/flow@1", id: "code", nodes: [{ id: "fn", type: "function", config: { file: "code/double.js" } }, { id: "inline", type: "function", config: { code: "return msg;" } }] }));
  writeFileSync(join(flowsDir, "keep.json"), JSON.stringify({ format: "wattflow/flow@1", id: "keep", nodes: [{ id: "k1", type: "test-keeper", config: { tag: "a" } }] }));
  rt = await startRuntime({
    port: 0,
    host: "127.0.0.1",
    httpPort: 0,
    httpHost: "127.0.0.1",
    dataDir: join(root, "data"),
    flowsDir,
    nodesDir: join(root, "plugins"),
    token: TOKEN,
    watch: false,
    logger: pino({ level: "silent" }),
  });
}, 30_000);

afterAll(async () => {
  await rt?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A raw request, so Host and Origin can be anything. */
function get(path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<{ status: number; body: ContextListing & { message?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: rt.adminPort, method: "GET", path, headers: { host: `127.0.0.1:${rt.adminPort}`, ...headers } }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as ContextListing }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("GET /api/context", () => {
  it("lists a node's, a flow's and the global context, large values previewed", async () => {
    const node = await get("/api/context/node/keep/k1");
    expect(node.status).toBe(200);
    expect(node.body.scope).toBe("keep/k1");
    expect(node.body.entries.map((e) => e.key)).toEqual(["big", "seen"]);
    expect(node.body.entries[1]).toEqual({ key: "seen", value: { tag: "a", count: 3 }, size: JSON.stringify({ tag: "a", count: 3 }).length });
    const big = node.body.entries[0]!;
    expect(big.value).toBeUndefined();
    expect(big.size).toBe(CONTEXT_VALUE_LIMIT + 12);
    expect(big.preview).toHaveLength(1024);

    expect((await get("/api/context/flow/keep")).body).toEqual({ scope: "flow:keep", entries: [{ key: "last-a", value: 42, size: 2 }] });
    expect((await get("/api/context/global")).body.entries).toEqual([{ key: "site", value: "north", size: 7 }]);
    expect((await get("/api/context/flow/nothing-here")).body).toEqual({ scope: "flow:nothing-here", entries: [] });
  });

  it("refuses a bad id, a missing token, a foreign Host and a foreign Origin", async () => {
    const bad = await get("/api/context/flow/a%20b");
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("flow id");
    expect((await get("/api/context/global", {})).status).toBe(401);
    expect((await get("/api/context/global", { authorization: `Bearer ${TOKEN}`, host: "evil.example" })).status).toBe(403);
    expect((await get("/api/context/global", { authorization: `Bearer ${TOKEN}`, origin: "http://evil.example" })).status).toBe(403);
  });
});

describe("GET /api/flows/:id/nodes/:node/files/:field", () => {
  it("returns the code file a deployed function node references, and nothing else", async () => {
    const file = (await get("/api/flows/code/nodes/fn/files/file")) as unknown as { status: number; body: { path: string; text: string } };
    expect(file.status).toBe(200);
    expect(file.body).toEqual({ path: "code/double.js", text: "return { payload: msg.payload * 2 };\n" });
    expect((await get("/api/flows/code/nodes/inline/files/file")).status).toBe(404);
    expect((await get("/api/flows/code/nodes/fn/files/code")).status).toBe(404);
    expect((await get("/api/flows/code/nodes/nobody/files/file")).status).toBe(404);
    expect((await get("/api/flows/code/nodes/fn/files/file", {})).status).toBe(401);
  });
});
