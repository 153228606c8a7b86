/**
 * The runtime as its own process (`wattflow start`, ports chosen by the
 * system), for tests that stop it the way an operator or the kernel would,
 * or that walk a user's path through the CLI. Shared by the fault suite and
 * the plugin and packaging tests.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const wattflowBin = join(repoRoot, "packages/runtime/bin/wattflow.js");

/**
 * Brings the runtime's and the node library's dist/ up to date (incremental:
 * quick when nothing changed), so a spawned CLI runs the code under test.
 */
export async function buildRuntime(): Promise<void> {
  const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
  await promisify(execFile)(process.execPath, [tsc, "-b", "packages/runtime", "packages/nodes"], { cwd: repoRoot, timeout: 180_000 }).catch(
    (err: { stdout?: string; message: string }) => {
      throw new Error(`the build failed, so the runtime cannot be started from dist/:\n${err.stdout ?? err.message}`);
    },
  );
}

export interface SpawnedRuntime {
  /** Base URL of the admin API, without a trailing slash. */
  admin: string;
  /** Base URL of the flows' HTTP endpoints, without a trailing slash. */
  http: string;
  readonly child: ChildProcess;
  /** The process's output so far, for a failure's message. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** Its own process group, so a signal to the group also reaches what a launcher (npx) started. */
  detached?: boolean;
  /** How long to wait for the ready banner. */
  readyTimeoutMs?: number;
}

/**
 * Starts `command` (a `wattflow start …` command line) with ports 0 and
 * without watching, and resolves once it printed its URLs. A process that
 * exits or stays silent first is killed and reported with the tail of its output.
 */
export async function spawnRuntime(command: readonly string[], options: SpawnOptions): Promise<SpawnedRuntime> {
  const child = spawn(command[0]!, [...command.slice(1), "--port", "0", "--http-port", "0", "--no-watch"], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let out = "";
  const keep = (chunk: Buffer): void => {
    // The tail is what explains a failure; the whole log of a long run is not needed.
    out = (out + chunk.toString()).slice(-200_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const timeoutMs = options.readyTimeoutMs ?? 40_000;
  try {
    const urls = await new Promise<{ admin: string; http: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the runtime did not start within ${timeoutMs / 1000} s:\n${out.slice(-4000)}`)), timeoutMs);
      const look = (): void => {
        const admin = /editor and admin API:\s+(\S+)/.exec(out)?.[1];
        const http = /flow endpoints:\s+(\S+)/.exec(out)?.[1];
        if (admin && http) {
          clearTimeout(timer);
          child.stdout!.off("data", look);
          resolve({ admin: admin.replace(/\/$/, ""), http: http.replace(/\/$/, "") });
        }
      };
      child.stdout!.on("data", look);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the runtime exited (${code}) before it was ready:\n${out.slice(-4000)}`));
      });
    });
    return { ...urls, child, output: () => out, exited };
  } catch (err) {
    await killNow(child, options.detached ? signalGroup : undefined);
    throw err;
  }
}

/** Resolves once the process has exited, sending SIGKILL first if it still runs. */
export async function killNow(child: ChildProcess, signal: (c: ChildProcess, s: NodeJS.Signals) => void = (c, s) => c.kill(s)): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    signal(child, "SIGKILL");
  });
}

/** Signals the process group of a detached child (what a launcher such as npx started goes too). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal); // the group is gone already, or this system has none
  }
}
