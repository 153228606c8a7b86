/** The admin API's dead letters on a real runtime: listed newest first, filtered, limited, cleared, behind the login. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startRuntime, type RunningRuntime } from "../start.js";
import { hashPassword } from "./auth.js";
import type { DeadLetter } from "../store/types.js";
import { writePlugin } from "../../../../test/fakes/plugin.js";

let rt: RunningRuntime;
let root: string;
let token: string;

/** A flow whose one node parks `count` letters when it starts. */
const parkingFlow = (id: string, count: number) => ({ format: "wattflow/flow@1", id, nodes: [{ id: "park", type: "test-parker", config: { count } }] });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wattflow-dead-"));
  const flowsDir = join(root, "flows");
  mkdirSync(flowsDir);
  writePlugin(
    join(root, "plugins"),
    "parker",
    `export default { nodes: [{ type: "test-parker", category: "test", summary: "parks letters on start",
       config: { type: "object", properties: { count: { type: "integer" } } }, inputs: 0, outputs: [],
       create(node, c) { return { start() { for (let i = 0; i < c.count; i++) node.deadLetter({ reason: "nests deeper than 64 levels", source: "dev/" + i, payload: Buffer.from("[[[" + i) }); } }; } }] };`,
  );
  writeFileSync(join(flowsDir, "one.json"), JSON.stringify(parkingFlow("one", 3)));
  writeFileSync(join(flowsDir, "two.json"), JSON.stringify(parkingFlow("two", 2)));
  rt = await startRuntime({
    port: 0,
    host: "127.0.0.1",
    httpPort: 0,
    httpHost: "127.0.0.1",
    dataDir: join(root, "data"),
    flowsDir,
    nodesDir: join(root, "plugins"),
    users: [{ username: "ops", passwordHash: hashPassword("correct horse") }],
    logger: pino({ level: "silent" }),
  });
  const login = await fetch(new URL("api/auth/login", rt.adminUrl), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "ops", password: "correct horse" }) });
  token = ((await login.json()) as { token: string }).token;
});

afterAll(async () => {
  await rt?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function call<T>(method: string, path: string, auth = true): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, rt.adminUrl), { method, headers: auth ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as T };
}

type Listing = { total: number; deadLetters: DeadLetter[] };

describe("GET and DELETE /api/dead-letters", () => {
  it("needs the login for both", async () => {
    expect((await call("GET", "api/dead-letters", false)).status).toBe(401);
    expect((await call("DELETE", "api/dead-letters", false)).status).toBe(401);
  });

  it("lists newest first, by flow, within a limit; counts per node in /api/stats; clears", async () => {
    const all = await call<Listing>("GET", "api/dead-letters");
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(5);
    expect(all.body.deadLetters[0]!.id).toBeGreaterThan(all.body.deadLetters[4]!.id);
    const one = await call<Listing>("GET", "api/dead-letters?flow=one&limit=2");
    expect(one.body.total).toBe(3);
    expect(one.body.deadLetters.map((l) => [l.flowId, l.nodeId, l.source, l.preview])).toEqual([
      ["one", "park", "dev/2", "[[[2"],
      ["one", "park", "dev/1", "[[[1"],
    ]);
    expect((await call<{ message: string }>("GET", "api/dead-letters?limit=0")).status).toBe(400);
    const stats = await call<{ flowId: string; nodeId: string; deadLetters: number }[]>("GET", "api/stats");
    expect(stats.body.map((s) => [s.flowId, s.deadLetters]).sort()).toEqual([
      ["one", 3],
      ["two", 2],
    ]);

    expect((await call<{ deleted: number }>("DELETE", "api/dead-letters?flow=two")).body).toEqual({ deleted: 2 });
    expect((await call<Listing>("GET", "api/dead-letters")).body.total).toBe(3);
    expect((await call<{ deleted: number }>("DELETE", "api/dead-letters")).body).toEqual({ deleted: 3 });
    expect((await call<Listing>("GET", "api/dead-letters")).body).toEqual({ total: 0, deadLetters: [] });
  });
});
