/**
 * Vitest global setup: no process a test started outlives the run.
 *
 * Every process started during the run inherits WATTFLOW_TEST_RUN from here
 * (brokers, databases, runtimes, browsers), even when a test worker dies and
 * its children are re-parented. At the end the guard finds what still carries
 * the marker, kills it, and fails the run naming each one, so a leak is seen
 * and fixed rather than left on the machine.
 */
import { readdirSync, readFileSync } from "node:fs";

const MARKER = "WATTFLOW_TEST_RUN";

export function setup(): void {
  process.env[MARKER] = `${process.pid}-${Date.now()}`;
}

export async function teardown(): Promise<void> {
  const run = process.env[MARKER];
  if (!run) return;
  // Test workers are vitest's own and end with it; what a test started is the concern here.
  const leftover = marked(`${MARKER}=${run}`).filter((p) => p.pid !== process.pid && !p.command.includes("vitest"));
  if (leftover.length === 0) return;
  for (const p of leftover) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // it ended on its own in the meantime
    }
  }
  const list = leftover.map((p) => `  ${p.pid} ${p.command}`).join("\n");
  // Vitest reports an error thrown here but still exits 0, so the exit code is set as well.
  process.exitCode = 1;
  throw new Error(`${leftover.length} process(es) started by tests were still running after the run (now killed):\n${list}`);
}

interface Marked {
  pid: number;
  command: string;
}

/** Processes whose environment holds `entry` (Linux /proc; elsewhere nothing is found). */
function marked(entry: string): Marked[] {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const found: Marked[] = [];
  for (const name of pids) {
    try {
      const env = readFileSync(`/proc/${name}/environ`, "latin1").split("\0");
      if (!env.includes(entry)) continue;
      const command = readFileSync(`/proc/${name}/cmdline`, "latin1").split("\0").join(" ").trim();
      // A zombie has no command line left and nothing to kill.
      if (command) found.push({ pid: Number(name), command });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
