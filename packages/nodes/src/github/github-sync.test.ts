import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import githubSync from "./sync.js";
import github from "./connection.js";
import catchNode from "../catch/index.js";

/**
 * A local server speaking GitHub's documented Contents API: GET (base64, or raw over 1 MB),
 * PUT with sha (201 create, 200 update, 409 stale sha, 422 missing sha), 401, rate limits, 5xx.
 */
class FakeGithub {
  files = new Map<string, { text: string; sha: string }>();
  requests: { method: string; path: string; auth: string | undefined; body?: { sha?: string; content: string; message: string } }[] = [];
  /** Queued one-shot answers that override the next matching requests. */
  inject: { method?: string; status: number; headers?: Record<string, string> }[] = [];
  /** Changes the stored file between a read and the next write (a concurrent writer). */
  raceOnce = false;
  server: Server;
  url = "";
  token = "ghp_secret_token_value";

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  sha(text: string): string {
    return createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0${text}`).digest("hex");
  }
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as { sha?: string; content: string; message: string }) : undefined;
    const url = new URL(req.url!, "http://x");
    const path = decodeURIComponent(url.pathname.replace(/^\/repos\/owner\/repo\/contents\//, ""));
    this.requests.push({ method: req.method!, path, auth: req.headers.authorization, ...(body ? { body } : {}) });
    const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(data === undefined ? "" : JSON.stringify(data));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, { message: "Bad credentials" });
    const i = this.inject.findIndex((x) => !x.method || x.method === req.method);
    if (i >= 0) {
      const x = this.inject.splice(i, 1)[0]!;
      return send(x.status, { message: "injected" }, x.headers);
    }
    const file = this.files.get(path);
    if (req.method === "GET") {
      if (!file) return send(404, { message: "Not Found" });
      if (req.headers.accept === "application/vnd.github.raw+json") {
        res.writeHead(200, { "content-type": "application/vnd.github.raw" });
        return res.end(file.text);
      }
      const big = Buffer.byteLength(file.text) > 1_000_000;
      return send(200, { type: "file", sha: file.sha, size: Buffer.byteLength(file.text), encoding: big ? "none" : "base64", content: big ? "" : Buffer.from(file.text).toString("base64").replace(/(.{60})/g, "$1\n") });
    }
    if (req.method === "PUT" && body) {
      if (this.raceOnce && file) {
        this.raceOnce = false;
        const changed = file.text + " ";
        this.files.set(path, { text: changed, sha: this.sha(changed) });
      }
      const current = this.files.get(path);
      if (current && !body.sha) return send(422, { message: '"sha" wasn\'t supplied.' });
      if (current && body.sha !== current.sha) return send(409, { message: "is at a different sha" });
      const text = Buffer.from(body.content, "base64").toString("utf8");
      this.files.set(path, { text, sha: this.sha(text) });
      return send(current ? 200 : 201, { content: { sha: this.sha(text), path } });
    }
    send(404, { message: "Not Found" });
  }
  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

let gh: FakeGithub;
let dir: string;
let t: TestFlow | undefined;
beforeEach(async () => {
  gh = new FakeGithub();
  await gh.start();
  dir = mkdtempSync(join(tmpdir(), "wattflow-gh-"));
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

const flow = (token = gh.token, extra: Record<string, unknown> = {}) => ({
  connections: [{ id: "gh", type: "github", config: { repo: "owner/repo", token, apiUrl: gh.url, maxRateLimitWait: 2, ...extra } }],
  nodes: [
    { id: "sync", type: "github-sync", config: { repo: "gh", file: join(dir, "monthly.json"), path: "data/monthly.json" }, wires: [["out"]] },
    { id: "out", type: "test-collect" },
    { id: "c", type: "catch", wires: [["errors"]] },
    { id: "errors", type: "test-collect" },
  ],
});
const defs = { nodes: [githubSync, catchNode], connections: [github] };
const push = async (text: string, n: number) => {
  writeFileSync(join(dir, "monthly.json"), text);
  t!.inject("sync", { payload: null });
  return (await t!.waitFor("out", n, 10_000))[n - 1]!.github as { result: string };
};

describe("github-sync against the Contents API", () => {
  it("creates on the first push, updates with the sha, and skips an unchanged file", async () => {
    t = await startTestFlow(flow(), defs);
    expect((await push('{"v":1}', 1)).result).toBe("created");
    expect((await push('{"v":2}', 2)).result).toBe("updated");
    expect((await push('{"v":2}', 3)).result).toBe("unchanged");
    expect(gh.files.get("data/monthly.json")!.text).toBe('{"v":2}');
    const puts = gh.requests.filter((r) => r.method === "PUT");
    expect(puts).toHaveLength(2);
    expect(puts[0]!.body!.sha).toBeUndefined();
    expect(puts[1]!.body!.sha).toBe(gh.sha('{"v":1}'));
  });

  it("a stale sha (409) is re-read and retried", async () => {
    t = await startTestFlow(flow(), defs);
    await push("one", 1);
    gh.raceOnce = true;
    expect((await push("two", 2)).result).toBe("updated");
    expect(gh.files.get("data/monthly.json")!.text).toBe("two");
    expect(gh.requests.filter((r) => r.method === "PUT").length).toBe(3);
  });

  it("waits out a rate limit until its reset, and retries 5xx", async () => {
    t = await startTestFlow(flow(gh.token, { maxRateLimitWait: 5 }), defs);
    gh.inject.push({ method: "GET", status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 1) } });
    gh.inject.push({ method: "PUT", status: 502 });
    const began = Date.now();
    expect((await push("x", 1)).result).toBe("created");
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
  });

  it("a rate limit longer than allowed fails with its reset time", async () => {
    t = await startTestFlow(flow(), defs);
    gh.inject.push({ status: 429, headers: { "retry-after": "3600" } });
    writeFileSync(join(dir, "monthly.json"), "x");
    t.inject("sync", { payload: null });
    const [err] = await t.waitFor("errors", 1);
    expect((err!.error as { message: string }).message).toMatch(/^GitHub rate limit reached; it resets at \d{4}-/);
  });

  it("a bad token is a clear error that never contains the token", async () => {
    t = await startTestFlow(flow("ghp_wrong_token_value"), defs);
    writeFileSync(join(dir, "monthly.json"), "x");
    t.inject("sync", { payload: null });
    const [err] = await t.waitFor("errors", 1);
    expect((err!.error as { message: string }).message).toBe("GitHub refused the token (401 bad credentials): check GITHUB_TOKEN");
    expect(JSON.stringify(t.events)).not.toContain("ghp_wrong_token_value");
  });

  it("refuses a file over the size limit", async () => {
    t = await startTestFlow(flow(gh.token, { maxBytes: 10 }), defs);
    writeFileSync(join(dir, "monthly.json"), "x".repeat(11));
    t.inject("sync", { payload: null });
    const [err] = await t.waitFor("errors", 1);
    expect((err!.error as { message: string }).message).toBe("data/monthly.json is 11 bytes, over the 10-byte limit for the Contents API; not pushed");
    expect(gh.requests.filter((r) => r.method === "PUT")).toHaveLength(0);
  });

  it("restores a missing local file at start, also over 1 MB (raw media type)", async () => {
    const big = JSON.stringify({ data_points: Array.from({ length: 40_000 }, (_, i) => ({ date: `d${i}`, avg_w: i })) });
    gh.files.set("data/monthly.json", { text: big, sha: gh.sha(big) });
    t = await startTestFlow(flow(), defs);
    expect(readFileSync(join(dir, "monthly.json"), "utf8")).toBe(big);
    expect(t.engine.statuses().find((s) => s.nodeId === "sync")?.status.text).toBe("restored data/monthly.json from owner/repo");
  });

  it("is off, passing messages through, when no repository is configured", async () => {
    t = await startTestFlow({ ...flow(), connections: [{ id: "gh", type: "github", config: { repo: "" } }] }, defs);
    t.inject("sync", { payload: 1 });
    expect((await t.waitFor("out", 1))[0]!.github).toEqual({ result: "off" });
  });
});
