/**
 * The real runtime as its own process (`wattflow start`, from the built
 * dist/), so a test can kill it the way an operator or the kernel would:
 * SIGTERM for a clean stop, SIGKILL for a crash.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { copyShippedFlow } from "../copy-flow.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const cli = join(repoRoot, "packages/runtime/bin/wattflow.js");

/**
 * Brings dist/ up to date with the sources (incremental: quick when nothing changed),
 * so the process under test runs the code under test.
 */
export async function buildRuntime(): Promise<void> {
  const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
  await promisify(execFile)(process.execPath, [tsc, "-b", "packages/runtime", "packages/nodes"], { cwd: repoRoot, timeout: 180_000 }).catch(
    (err: { stdout?: string; message: string }) => {
      throw new Error(`the build failed, so the runtime cannot be started from dist/:\n${err.stdout ?? err.message}`);
    },
  );
}

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
    const child = spawn(
      process.execPath,
      [cli, "start", "--flows", flows, "--data", data, "--port", "0", "--http-port", "0", "--http-host", "127.0.0.1", "--no-watch"],
      { cwd: repoRoot, env: childEnv, stdio: ["ignore", "pipe", "pipe"] },
    );
    running.add(child);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    void exited.then(() => running.delete(child));
    let out = "";
    const keep = (chunk: Buffer): void => {
      // The tail is what explains a failure; the whole log of a long run is not needed.
      out = (out + chunk.toString()).slice(-200_000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const urls = await new Promise<{ http: string; admin: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the runtime did not start within 30 s:\n${out.slice(-4000)}`)), 30_000);
      const look = (): void => {
        const http = /flow endpoints:\s+(\S+)/.exec(out)?.[1];
        const admin = /editor and admin API:\s+(\S+)/.exec(out)?.[1];
        if (http && admin) {
          clearTimeout(timer);
          child.stdout!.off("data", look);
          resolve({ http, admin });
        }
      };
      child.stdout!.on("data", look);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the runtime exited (${code}) before it was ready:\n${out.slice(-4000)}`));
      });
    });
    return {
      ...urls,
      output: () => out,
      async kill(signal) {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
  };

  return {
    flows,
    data,
    start,
    async close() {
      await Promise.all(
        [...running].map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once("exit", () => resolve());
              c.kill("SIGKILL");
            }),
        ),
      );
      rmSync(root, { recursive: true, force: true });
    },
  };
}
