// Spawns the real CLI with the shipped flows and measures time to ready and resident memory after start.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Resident memory of a running process; null when it has already exited (its /proc entry is gone). */
function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

export function measureStartup() {
  const data = mkdtempSync(join(tmpdir(), "wattflow-bench-start-"));
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, "packages/runtime/bin/wattflow.js"), "start", "--port", "0", "--http-port", "0", "--data", data, "--flows", join(root, "flows"), "--no-watch", "--log-level", "warn"],
    { cwd: root, env: { ...process.env, NODE_ENV: "production" }, stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve) => {
    let out = "";
    const timer = setTimeout(() => finish({ readyMs: null, rssMb: null }), 30_000);
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
        setTimeout(() => finish({ readyMs, rssMb: rssMb(child.pid) }), 1000);
      }
    });
    child.once("exit", () => finish({ readyMs: null, rssMb: null }));
  });
}
