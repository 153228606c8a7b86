/**
 * Pruning WATTFLOW_CACHE_DIR: what no start used for a long time, kinds no longer written and a crashed
 * writer's temporary files go; what this process or another runtime sharing the folder uses, and anything
 * that is not the cache's, stays; it never throws.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { noteCacheFileUsed, refreshCacheFileTimes } from "./cache-file.js";
import { CACHE_UNUSED_MS, pruneCache, pruneCacheLater } from "./cache-prune.js";

const DAY = 24 * 60 * 60 * 1000;

describe("pruneCache", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A file `ageMs` old (by its modification time). */
  async function file(path: string, ageMs: number): Promise<string> {
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, "{}");
    const at = (Date.now() - ageMs) / 1000;
    await utimes(path, at, at);
    return path;
  }
  const listing = async (folder: string) => (await readdir(folder)).sort();

  it("removes what no start used for the set time, stale kinds and left temporary files; keeps the rest", async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-prune-"));
    const v = join(dir, "validators");
    const e = join(dir, "expressions");
    const old = CACHE_UNUSED_MS + DAY;
    await file(join(v, "old.cjs"), old);
    await file(join(v, "recent.cjs"), CACHE_UNUSED_MS - DAY);
    await file(join(v, "old.results.json"), old);
    await file(join(v, "recent.results.json"), DAY);
    await file(join(v, "fresh.v8"), 0);
    await file(join(v, ".left.cjs.123.abc.tmp"), 2 * 60 * 60 * 1000);
    await file(join(v, ".writing.cjs.456.def.tmp"), 1000);
    await file(join(v, "notes.txt"), old);
    await file(join(e, "jsonata-1.9.0.json"), old);
    await file(join(e, "jsonata-2.0.6.json"), DAY);
    await file(join(dir, "someone-elses.json"), old);
    // Old on disk, but this process uses it (read at start, or to be read at a node's first message).
    noteCacheFileUsed(await file(join(v, "in-use.cjs"), old));

    const removed = await pruneCache(dir);
    expect(removed.map((f) => f.slice(dir!.length + 1)).sort()).toEqual([
      "expressions/jsonata-1.9.0.json",
      "validators/.left.cjs.123.abc.tmp",
      "validators/fresh.v8",
      "validators/old.cjs",
      "validators/old.results.json",
    ]);
    expect(await listing(v)).toEqual([".writing.cjs.456.def.tmp", "in-use.cjs", "notes.txt", "recent.cjs", "recent.results.json"]);
    expect(await listing(e)).toEqual(["jsonata-2.0.6.json"]);
    expect(await listing(dir)).toEqual(["expressions", "someone-elses.json", "validators"]);
  });

  it("a file another runtime uses is renewed, so a runtime sharing the folder does not remove it", async () => {
    dir = await mkdtemp(join(tmpdir(), "wattflow-prune-"));
    const used = await file(join(dir, "validators", "shared.cjs"), CACHE_UNUSED_MS + DAY);
    const unused = await file(join(dir, "validators", "unused.cjs"), CACHE_UNUSED_MS + DAY);
    noteCacheFileUsed(used);
    await refreshCacheFileTimes();
    expect(Date.now() - (await stat(used)).mtimeMs).toBeLessThan(DAY);

    // Another process prunes the folder: it knows nothing of what this one uses but the files' times.
    const script = `import(${JSON.stringify(new URL("../../dist/util/cache-prune.js", import.meta.url).href)}).then(async (m) => console.log(JSON.stringify(await m.pruneCache(process.argv[1]))))`;
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script, dir]);
    expect(JSON.parse(stdout)).toEqual([unused]);
    expect(await listing(join(dir, "validators"))).toEqual(["shared.cjs"]);
  });

  it("never throws: a missing folder prunes nothing; a scheduled run can be cancelled", async () => {
    expect(await pruneCache(join(tmpdir(), "wattflow-prune-missing", String(process.pid)))).toEqual([]);
    dir = await mkdtemp(join(tmpdir(), "wattflow-prune-"));
    const [cancelled, scheduled] = [join(dir, "cancelled"), join(dir, "scheduled")];
    await file(join(cancelled, "validators", "a.v8"), 0);
    await file(join(scheduled, "validators", "b.v8"), 0);
    const logged: string[] = [];
    const log = { debug: (m: string) => logged.push(m) };
    // The cancelled run was due first: had it run, it would have been done by the time the later one is.
    pruneCacheLater(cancelled, log, 10)();
    pruneCacheLater(scheduled, log, 40);
    for (let i = 0; i < 100 && logged.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(logged).toEqual([expect.stringMatching(/scheduled: removed 1 files/)]);
    expect(await listing(join(scheduled, "validators"))).toEqual([]);
    expect(await listing(join(cancelled, "validators"))).toEqual(["a.v8"]);
  });
});
