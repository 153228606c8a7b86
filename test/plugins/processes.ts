/**
 * Commands and runtimes as their own processes, for tests that walk a user's
 * path (scaffold, npm install, wattflow start) in a throwaway folder.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { promisify } from "node:util";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const wattflowBin = join(repoRoot, "packages/runtime/bin/wattflow.js");

/**
 * The environment without what `npm test` (or `npm run`) set for the
 * repository: a child npm must see its own folder's config, not the
 * checkout's workspaces.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k) && k !== "INIT_CWD") env[k] = v;
  return { ...env, ...extra };
}

export interface Ran {
  stdout: string;
  stderr: string;
  code: number;
  ms: number;
}

/** Runs a command to its end; never throws on a non-zero exit (the caller asserts on `code` with the output at hand). */
export async function run(command: string, args: string[], cwd: string, timeoutMs = 120_000, env = cleanEnv()): Promise<Ran> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 20_000_000 });
    return { stdout, stderr, code: 0, ms: Date.now() - started };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number | string };
    return { stdout: e.stdout ?? "", stderr: `${e.stderr ?? ""}${typeof e.code === "string" ? `\n${e.code}` : ""}`, code: typeof e.code === "number" ? e.code : 1, ms: Date.now() - started };
  }
}

/** Brings the runtime's and the node library's dist/ up to date (incremental), so spawned CLIs run the code under test. */
export async function buildRuntime(): Promise<void> {
  const built = await run(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-b", "packages/runtime", "packages/nodes"], repoRoot, 180_000);
  if (built.code !== 0) throw new Error(`the build failed:\n${built.stdout}${built.stderr}`);
}

export interface RuntimeProcess {
  admin: string;
  http: string;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal); // the group is gone already, or this system has none
  }
}

/** Starts `wattflow start ARGS` (ports chosen by the system) and resolves once it printed its URLs. */
export async function startRuntimeProcess(command: string[], cwd: string, env = cleanEnv()): Promise<RuntimeProcess> {
  // Its own process group, so stopping it also stops what a launcher (npx) started under it.
  const child = spawn(command[0]!, [...command.slice(1), "--port", "0", "--http-port", "0", "--no-watch"], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));
  let out = "";
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString()).slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) signalGroup(child, "SIGTERM");
    const force = setTimeout(() => signalGroup(child, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(force);
  };
  try {
    const urls = await new Promise<{ admin: string; http: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the runtime did not start within 40 s:\n${out.slice(-4000)}`)), 40_000);
      const look = (): void => {
        const admin = /editor and admin API:\s+(\S+)/.exec(out)?.[1];
        const http = /flow endpoints:\s+(\S+)/.exec(out)?.[1];
        if (admin && http) {
          clearTimeout(timer);
          resolve({ admin: admin.replace(/\/$/, ""), http: http.replace(/\/$/, "") });
        }
      };
      child.stdout!.on("data", look);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the runtime exited before it was ready:\n${out.slice(-4000)}`));
      });
    });
    return { ...urls, output: () => out, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Stops every runtime this module started that is still running (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          signalGroup(c, "SIGKILL");
        }),
    ),
  );
}
