/**
 * The real runtime as its own process (`wattflow start`, from the built
 * dist/), so a test can kill it the way an operator or the kernel would:
 * SIGTERM for a clean stop, SIGKILL for a crash.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyShippedFlow } from "../copy-flow.js";
import { killNow, repoRoot, spawnRuntime, wattflowBin } from "../services/runtime-process.js";

export { buildRuntime, repoRoot } from "../services/runtime-process.js";

export interface RuntimeProcess {
  /** Base URL of the flows' HTTP endpoints. */
  http: string;
  /** Base URL of the admin API. */
  admin: string;
  /** The process's output so far (logs as JSON lines), for a failure's message. */
  output(): string;
  /** Sends the signal and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface RuntimeFolder {
  flows: string;
  data: string;
  /** Starts the runtime on these folders; resolves when it printed its URLs. */
  start(env: Record<string, string | undefined>): Promise<RuntimeProcess>;
  /** Kills whatever runtime is still running and removes the folder. */
  close(): Promise<void>;
}

/** A throwaway folder holding copies of the given flow files and a data folder, and the runtimes started on it. */
export function runtimeFolder(flowFiles: readonly URL[]): RuntimeFolder {
  const root = mkdtempSync(join(tmpdir(), "wattflow-faults-"));
  const flows = join(root, "flows");
  const data = join(root, "data");
  mkdirSync(flows);
  for (const f of flowFiles) copyShippedFlow(f, flows);
  const running = new Set<ChildProcess>();

  const start = async (env: Record<string, string | undefined>): Promise<RuntimeProcess> => {
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) childEnv[k] = v;
    const rt = await spawnRuntime([process.execPath, wattflowBin, "start", "--flows", flows, "--data", data], { cwd: repoRoot, env: childEnv });
    running.add(rt.child);
    void rt.exited.then(() => running.delete(rt.child));
    return {
      http: rt.http,
      admin: rt.admin,
      output: rt.output,
      async kill(signal) {
        if (rt.child.exitCode === null && rt.child.signalCode === null) rt.child.kill(signal);
        return rt.exited;
      },
    };
  };

  return {
    flows,
    data,
    start,
    async close() {
      await Promise.all([...running].map((c) => killNow(c)));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
