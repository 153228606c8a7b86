import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import githubSync from "./sync.js";
import github from "./connection.js";
import catchNode from "../catch/index.js";
import { FakeGithub } from "../../../../test/fakes/fake-github.js";

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
    const reset = Math.ceil(Date.now() / 1000) + 1;
    gh.inject.push({ method: "GET", status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) } });
    gh.inject.push({ method: "PUT", status: 502 });
    expect((await push("x", 1)).result).toBe("created");
    // The file was read again and written only once the reset the server named had passed; the 502 was retried.
    const afterReset = gh.requests.filter((r) => r.at >= reset * 1000);
    expect(afterReset.map((r) => r.method)).toEqual(["GET", "PUT", "PUT"]);
    expect(gh.requests.filter((r) => r.method === "PUT")).toHaveLength(2);
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
