// Spawns the real CLI and measures time to ready and resident memory after start: with all the shipped
// flows, with the demo flow alone, and with each shipped flow alone (what one flow costs on a small board).
// It measures what `npm start` runs: the bundled CLI, built here from dist/ first (the CLI from dist/ when
// the bundle cannot be built, which the report then says).
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const flowsDir = join(root, "flows");
export const BUNDLED_CLI = join(root, "packages/runtime/bundle/wattflow.mjs");
export const DIST_CLI = join(root, "packages/runtime/bin/wattflow.js");

/** Builds the bundle from the current dist/; resolves with the CLI to measure and, when it fell back, why. */
function bundledCli() {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, "scripts/bundle.mjs")], { cwd: root, timeout: 120_000 }, (err, _out, stderr) => {
      if (err) resolve({ cli: DIST_CLI, note: `the bundle did not build, so the CLI from dist/ was measured: ${(stderr || err.message).trim().split("\n").slice(-2).join(" | ")}` });
      else resolve({ cli: BUNDLED_CLI });
    });
  });
}

/** The goals: spawn to ready with every shipped flow, and resident memory after start. */
export const STARTUP_GOALS = { ready_ms: 500, rss_mb: 80, rss_demo_mb: 50 };

/**
 * Resident memory of a running process in MB: all of it, and its two parts: anonymous (the JavaScript heap,
 * malloc's arenas, stacks: what the program's own work costs) and file-backed (pages of the node binary and
 * the shared libraries it has touched: a floor no JavaScript change lowers). Null when the process has already
 * exited (its /proc entry is gone).
 */
function residentMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const mb = (field) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
    return { rss: mb("VmRSS"), anon: mb("RssAnon"), file: mb("RssFile") };
  } catch {
    return null;
  }
}

/** The shipped flow ids (`flows/<id>.json`, test files left out). */
export function shippedFlows() {
  return readdirSync(flowsDir)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".test.json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/** A flows folder holding only `ids` (each with its folder of pages, schemas and code, when it has one). */
function flowsFolderWith(ids) {
  const dir = mkdtempSync(join(tmpdir(), "wattflow-bench-flows-"));
  for (const id of ids) {
    cpSync(join(flowsDir, `${id}.json`), join(dir, `${id}.json`));
    if (existsSync(join(flowsDir, id))) cpSync(join(flowsDir, id), join(dir, id), { recursive: true });
  }
  return dir;
}

/**
 * The environment `npm start` sets for the runtime (its `NAME=${NAME:-default}` assignments: glibc malloc's
 * settings), an operator's own values winning as they do there: the bench measures what `npm start` runs.
 */
function startScriptEnv() {
  try {
    const script = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts?.start ?? "";
    return Object.fromEntries([...script.matchAll(/\b(\w+)=\$\{\1:-([^}]*)\}/g)].map(([, name, value]) => [name, process.env[name] ?? value]));
  } catch {
    return {};
  }
}

/**
 * One start: spawn → "ready in" line → 1 s for the flows' first timers → resident memory → SIGTERM.
 * Never throws: a start that fails or times out gives nulls and says why in `error`.
 */
export async function measureStartup(options = {}) {
  const data = mkdtempSync(join(tmpdir(), "wattflow-bench-start-"));
  // Ports of its own, so a broker or listener someone else runs on the defaults cannot fail a flow here.
  const ports = { MQTT_PORT: await freePort(), MQTT_WS_PORT: await freePort(), GREENPOWER_TCP_PORT: await freePort() };
  const env = {
    ...process.env,
    ...startScriptEnv(),
    NODE_ENV: "production",
    ...(options.cacheDir ? { WATTFLOW_CACHE_DIR: options.cacheDir } : {}),
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
  };
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [options.cli ?? BUNDLED_CLI, "start", "--port", "0", "--http-port", "0", "--data", data, "--flows", options.flows ?? flowsDir, "--no-watch", "--log-level", "warn"],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => finish({ readyMs: null, rssMb: null, error: "no ready line within 30 s" }), 30_000);
    let finished = false;
    // Called once: on the memory reading, on the timeout, or when the process exits first (then there is nothing to read).
    function finish(result) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const done = () => {
        rmSync(data, { recursive: true, force: true });
        resolve(result);
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", done);
      child.kill("SIGTERM");
    }
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (/ready in \d+ ms/.test(out)) {
        const readyMs = Math.round(performance.now() - began);
        // Let the flows' first timers run before reading memory.
        setTimeout(() => {
          const resident = residentMb(child.pid);
          finish(
            resident === null
              ? { readyMs, rssMb: null, error: "exited before its memory could be read" }
              : { readyMs, rssMb: resident.rss, anonMb: resident.anon, fileMb: resident.file },
          );
        }, 1000);
      }
    });
    child.stderr.on("data", (chunk) => {
      err = (err + chunk).slice(-2000);
    });
    child.once("exit", (code) => finish({ readyMs: null, rssMb: null, error: `exited (${code}) before ready: ${err.trim().split("\n").slice(-3).join(" | ")}` }));
  });
}

/** Resident memory of an idle `node` process 1 s after it starts: the floor under every figure here. Null when unreadable. */
function idleNodeMb() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10_000)"], { stdio: "ignore" });
    const timer = setTimeout(() => {
      const resident = residentMb(child.pid);
      child.once("exit", () => resolve(resident));
      child.kill("SIGTERM");
    }, 1000);
    child.once("error", () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

const median = (xs) => {
  const known = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return known.length === 0 ? null : known[Math.floor(known.length / 2)];
};

/** The median of `rounds` starts (figures of failed starts left out); `error` says what failed. */
async function measureMedian(rounds, options) {
  const runs = [];
  for (let r = 0; r < rounds; r++) runs.push(await measureStartup(options));
  const errors = [...new Set(runs.map((r) => r.error).filter(Boolean))];
  return {
    readyMs: median(runs.map((r) => r.readyMs)),
    rssMb: median(runs.map((r) => r.rssMb)),
    anonMb: median(runs.map((r) => r.anonMb ?? null)),
    fileMb: median(runs.map((r) => r.fileMb ?? null)),
    ...(errors.length > 0 ? { error: errors.join("; ") } : {}),
  };
}

/**
 * All shipped flows and the demo flow alone (medians of `rounds` starts), then each shipped flow alone
 * (one start each). Never throws.
 */
export async function runStartupBench({ rounds = 3, perFlow = true } = {}) {
  const result = { all: null, demo: null, flows: {}, cli: null, idleNode: null };
  const cacheDir = mkdtempSync(join(tmpdir(), "wattflow-bench-cache-"));
  try {
    result.idleNode = await idleNodeMb();
    const { cli, note } = await bundledCli();
    result.cli = cli;
    if (note) result.note = note;
    // A start keeps what it compiled (validators, results, expressions) in WATTFLOW_CACHE_DIR for the next. The first
    // start into an empty one is what a start after an install or a flow change costs: measured once, apart; every
    // figure after it is of starts that find what it kept, as a restart or a reboot does.
    result.firstStart = await measureStartup({ cli, cacheDir });
    result.all = await measureMedian(rounds, { cli, cacheDir });
    const demoDir = flowsFolderWith(["demo"]);
    try {
      result.demo = await measureMedian(rounds, { flows: demoDir, cli, cacheDir });
    } finally {
      rmSync(demoDir, { recursive: true, force: true });
    }
    if (perFlow) {
      for (const id of shippedFlows()) {
        const dir = flowsFolderWith([id]);
        try {
          result.flows[id] = await measureStartup({ flows: dir, cli, cacheDir });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return result;
}

/**
 * The figures `--json` reports: ready_ms, rss_mb (all flows), rss_demo_mb, ready_demo_ms, rss_flow_mb per flow,
 * and each RSS split into its anonymous and file-backed parts (`rss_anon_mb`, `rss_file_mb`, …).
 */
export function startupFigures(result) {
  return {
    ready_ms: result.all?.readyMs ?? null,
    ready_first_start_ms: result.firstStart?.readyMs ?? null,
    rss_first_start_mb: result.firstStart?.rssMb ?? null,
    rss_mb: result.all?.rssMb ?? null,
    rss_anon_mb: result.all?.anonMb ?? null,
    rss_file_mb: result.all?.fileMb ?? null,
    ready_demo_ms: result.demo?.readyMs ?? null,
    rss_demo_mb: result.demo?.rssMb ?? null,
    rss_demo_anon_mb: result.demo?.anonMb ?? null,
    rss_demo_file_mb: result.demo?.fileMb ?? null,
    rss_flow_mb: Object.fromEntries(Object.entries(result.flows).map(([id, f]) => [id, f.rssMb])),
    rss_flow_anon_mb: Object.fromEntries(Object.entries(result.flows).map(([id, f]) => [id, f.anonMb ?? null])),
    rss_idle_node_mb: result.idleNode?.rss ?? null,
  };
}

export function printStartup(result) {
  const goal = (value, limit, unit) => (value === null ? "n/a" : `${value} ${unit} (goal ≤ ${limit} ${unit}: ${value <= limit ? "met" : "not met"})`);
  const f = startupFigures(result);
  console.log(`runtime start (spawn to "ready" line; resident memory 1 s after ready), ${result.cli ? relative(root, result.cli) : "CLI"}:`);
  if (result.note) console.log(`  note: ${result.note}`);
  const parts = (anon, file) => (anon === null ? "" : ` = ${anon} anonymous + ${file} file-backed`);
  console.log(`  all shipped flows: ready ${goal(f.ready_ms, STARTUP_GOALS.ready_ms, "ms")}; rss ${goal(f.rss_mb, STARTUP_GOALS.rss_mb, "MB")}${parts(f.rss_anon_mb, f.rss_file_mb)}`);
  if (result.firstStart) console.log(`  all shipped flows, first start into an empty cache (after an install or a flow change): ready ${f.ready_first_start_ms ?? "n/a"} ms; rss ${f.rss_first_start_mb ?? "n/a"} MB`);
  console.log(`  demo flow alone:   ready ${f.ready_demo_ms ?? "n/a"} ms; rss ${goal(f.rss_demo_mb, STARTUP_GOALS.rss_demo_mb, "MB")}${parts(f.rss_demo_anon_mb, f.rss_demo_file_mb)}`);
  const ids = Object.keys(result.flows);
  if (ids.length > 0) {
    console.log("  each flow alone:   " + ids.map((id) => `${id} ${result.flows[id].rssMb ?? "n/a"} MB (${result.flows[id].anonMb ?? "n/a"} anon) / ${result.flows[id].readyMs ?? "n/a"} ms`).join(", "));
  }
  if (result.idleNode) {
    const n = result.idleNode;
    console.log(`  floor: an idle \`node\` holds ${n.rss} MB (${n.anon} anonymous + ${n.file} file-backed: the binary's own pages, which every figure above includes)`);
  }
  const failures = [result.error, result.all?.error && `all flows: ${result.all.error}`, result.demo?.error && `demo: ${result.demo.error}`]
    .concat(ids.filter((id) => result.flows[id].error).map((id) => `${id}: ${result.flows[id].error}`))
    .filter(Boolean);
  for (const failure of failures) console.log(`  failed: ${failure}`);
}
