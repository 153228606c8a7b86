import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { watch } from "chokidar";
import { findPluginWorkspace } from "./scaffold.js";
import type { CliIo } from "./io.js";

/** Set in the runtime a supervisor starts, so it does not supervise itself. */
export const SUPERVISED_ENV = "WATTFLOW_SUPERVISED";

export interface WatchNodesOptions {
  /** The `wattflow` bin to run. */
  bin: string;
  /** Arguments after `wattflow start` that are not environment variables. */
  args: string[];
  /** Environment for the runtime (options travel here, so a token is not on a command line). */
  env: Record<string, string>;
  nodesDir?: string;
  io: CliIo;
}

/** Plugin output worth a restart: built modules, package manifests, READMEs (node docs). */
const relevant = (path: string): boolean => /\.(m?js|json|md)$/.test(path) && !path.endsWith(".map");

/**
 * Development mode for node authors: runs the runtime as a child process and
 * restarts it when a plugin's built files change (`npm run build`, or
 * `tsc --watch` in the plugin). A restart is a clean stop and start, so
 * flows, the store and context carry over exactly as after any restart;
 * ES modules cannot be unloaded in place.
 */
export async function superviseRuntime(options: WatchNodesOptions): Promise<void> {
  const { io } = options;
  const folders = [options.nodesDir, await findPluginWorkspace(process.cwd()).then((ws) => (ws ? join(ws, "plugins") : undefined))].filter(
    (f): f is string => f !== undefined,
  );
  if (folders.length === 0) io.err("wattflow: --watch-nodes has nothing to watch: give --nodes DIR, or run it in a checkout with plugins/");
  else io.out(`watching ${folders.join(", ")} for plugin changes`);

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const launch = (): void => {
    const started = spawn(process.execPath, [options.bin, "start", ...options.args], { env: { ...options.env, [SUPERVISED_ENV]: "1" }, stdio: "inherit" });
    child = started;
    exited = new Promise((resolve) =>
      started.once("exit", (code, signal) => {
        if (child === started) {
          child = undefined;
          io.err(`wattflow: the runtime exited (${signal ?? code}); restarting when a plugin changes`);
        }
        resolve();
      }),
    );
  };
  const stopChild = async (): Promise<void> => {
    const running = child;
    if (!running) return;
    child = undefined;
    running.kill("SIGTERM");
    await exited;
  };

  let timer: NodeJS.Timeout | undefined;
  let restarting = Promise.resolve();
  const watcher = watch(folders, {
    ignoreInitial: true,
    ignored: (path) => /[\\/](node_modules|\.git)([\\/]|$)/.test(path),
    awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 },
  });
  const changed = (path: string): void => {
    if (!relevant(path)) return;
    // A build writes many files: one restart for all of them.
    clearTimeout(timer);
    timer = setTimeout(() => {
      restarting = restarting.then(async () => {
        io.out(`${path} changed: restarting the runtime`);
        await stopChild();
        launch();
      });
    }, 300);
  };
  watcher.on("add", changed).on("change", changed).on("unlink", changed);

  const shutdown = (signal: string): void => {
    clearTimeout(timer);
    void watcher.close();
    void restarting.then(stopChild).then(() => process.exit(signal === "SIGINT" ? 130 : 0));
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  // The watcher and the child keep the process running, as the servers do for a plain `start`.
  launch();
}
