/**
 * Commands and runtimes as their own processes, for tests that walk a user's
 * path (scaffold, npm install, wattflow start) in a throwaway folder.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { killNow, signalGroup, spawnRuntime } from "../services/runtime-process.js";

export { buildRuntime, repoRoot, wattflowBin } from "../services/runtime-process.js";

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

export interface RuntimeProcess {
  admin: string;
  http: string;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Starts `wattflow start ARGS` (ports chosen by the system) and resolves once it printed its URLs. */
export async function startRuntimeProcess(command: string[], cwd: string, env = cleanEnv()): Promise<RuntimeProcess> {
  // Its own process group, so stopping it also stops what a launcher (npx) started under it.
  const rt = await spawnRuntime(command, { cwd, env, detached: true });
  const child = rt.child;
  running.add(child);
  void rt.exited.then(() => running.delete(child));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) signalGroup(child, "SIGTERM");
    const force = setTimeout(() => signalGroup(child, "SIGKILL"), 10_000);
    await rt.exited;
    clearTimeout(force);
  };
  return { admin: rt.admin, http: rt.http, output: rt.output, stop };
}

/** Stops every runtime this module started that is still running (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => killNow(c, signalGroup)));
}
