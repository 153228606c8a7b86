import type { Command } from "commander";
import pino from "pino";
import { startRuntime } from "../start.js";
import { parseAllowedHosts } from "../server/host-guard.js";
import type { CliIo } from "./io.js";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SUPERVISED_ENV, superviseRuntime } from "./watch-nodes.js";

const bin = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/wattflow.js");

function intOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`"${value}" is not a port number`);
  return n;
}

/** Says so when a server listens on every interface, where a URL alone reads like a typo. */
function everyInterface(url: string): string {
  const host = new URL(url).hostname;
  return host === "0.0.0.0" || host === "[::]" ? " (every network interface)" : "";
}

export function registerStartCommand(program: Command, io: CliIo): void {
  program
    .command("start")
    .description("run the runtime with the flows of a folder; prints the editor and API URLs when ready")
    .option("--port <port>", "admin API and editor port (env WATTFLOW_PORT)", intOption, Number(process.env.WATTFLOW_PORT ?? 1880))
    .option("--host <host>", "admin API address; beyond loopback a token is required (env WATTFLOW_HOST)", process.env.WATTFLOW_HOST ?? "127.0.0.1")
    .option("--http-port <port>", "port of the flows' HTTP and WebSocket endpoints (env WATTFLOW_HTTP_PORT)", intOption, Number(process.env.WATTFLOW_HTTP_PORT ?? 8000))
    .option("--allowed-hosts <names>", "comma-separated host names the admin API answers to besides loopback and --host, e.g. wattflow.lan,192.168.1.5 (env WATTFLOW_ALLOWED_HOSTS)", process.env.WATTFLOW_ALLOWED_HOSTS)
    .option("--http-host <host>", "address of the flows' endpoints; 0.0.0.0 for devices on the network (env WATTFLOW_HTTP_HOST)", process.env.WATTFLOW_HTTP_HOST ?? "127.0.0.1")
    .option("--data <dir>", "data folder: the SQLite store lives here unless --store says otherwise (env WATTFLOW_DATA)", process.env.WATTFLOW_DATA ?? ".wattflow")
    .option(
      "--store <location>",
      "the store: a postgres://user:password@host:5432/db URL (PostgreSQL; runtimes sharing one form a cluster), or a file path or sqlite:<path> (SQLite); default: the SQLite file in --data (env WATTFLOW_STORE)",
      process.env.WATTFLOW_STORE,
    )
    .option("--flows <dir>", "folder of flow files (env WATTFLOW_FLOWS)", process.env.WATTFLOW_FLOWS ?? "flows")
    .option("--nodes <dir>", "folder of extra node plugins (env WATTFLOW_NODES)", process.env.WATTFLOW_NODES)
    .option("--token <token>", "admin API token (env WATTFLOW_TOKEN)", process.env.WATTFLOW_TOKEN)
    .option("--log-level <level>", "trace, debug, info, warn, error (env WATTFLOW_LOG_LEVEL)", process.env.WATTFLOW_LOG_LEVEL ?? "info")
    .option("--no-watch", "do not redeploy when flow files change on disk")
    .option("--watch-nodes", "for node authors: restart the runtime when a plugin in --nodes or the checkout's plugins/ is rebuilt")
    .action(
      async (o: { port: number; host: string; allowedHosts?: string; httpPort: number; httpHost: string; data: string; store?: string; flows: string; nodes?: string; token?: string; logLevel: string; watch: boolean; watchNodes?: boolean }) => {
        if (o.watchNodes && !process.env[SUPERVISED_ENV]) {
          // Every option has an environment variable: the child gets them there, the token included, off the command line.
          const env: Record<string, string> = {};
          for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
          const set = (name: string, value: string | number | undefined): void => {
            if (value === undefined) delete env[name];
            else env[name] = String(value);
          };
          set("WATTFLOW_PORT", o.port);
          set("WATTFLOW_HOST", o.host);
          set("WATTFLOW_ALLOWED_HOSTS", o.allowedHosts);
          set("WATTFLOW_HTTP_PORT", o.httpPort);
          set("WATTFLOW_HTTP_HOST", o.httpHost);
          set("WATTFLOW_DATA", o.data);
          set("WATTFLOW_STORE", o.store);
          set("WATTFLOW_FLOWS", o.flows);
          set("WATTFLOW_NODES", o.nodes);
          set("WATTFLOW_TOKEN", o.token);
          set("WATTFLOW_LOG_LEVEL", o.logLevel);
          await superviseRuntime({ bin, args: o.watch ? [] : ["--no-watch"], env, nodesDir: o.nodes, io });
          return;
        }
        const logger = pino({
          level: o.logLevel,
          base: undefined,
          ...(process.stdout.isTTY ? { transport: { target: "pino-pretty", options: { ignore: "pid,hostname", translateTime: "HH:MM:ss" } } } : {}),
        });
        process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled promise rejection (a node forgot to catch it); the runtime keeps running"));
        const runtime = await startRuntime({
          port: o.port,
          host: o.host,
          allowedHosts: parseAllowedHosts(o.allowedHosts),
          httpPort: o.httpPort,
          httpHost: o.httpHost,
          dataDir: o.data,
          ...(o.store ? { store: o.store } : {}),
          flowsDir: o.flows,
          nodesDir: o.nodes,
          token: o.token,
          logLevel: o.logLevel,
          watch: o.watch,
          logger,
        });
        io.out(`Wattflow ready in ${runtime.readyMs} ms`);
        io.out(`  editor and admin API: ${runtime.adminListening}${everyInterface(runtime.adminListening)}`);
        io.out(`  flow endpoints:       ${runtime.httpListening}${everyInterface(runtime.httpListening)}`);
        let stopping = false;
        const stop = (signal: string): void => {
          if (stopping) return;
          stopping = true;
          logger.info(`${signal}: stopping`);
          const force = setTimeout(() => process.exit(1), 15_000);
          force.unref();
          runtime.stop().then(
            () => process.exit(0),
            (err: unknown) => {
              logger.error({ err }, "stop failed");
              process.exit(1);
            },
          );
        };
        process.on("SIGINT", () => stop("SIGINT"));
        process.on("SIGTERM", () => stop("SIGTERM"));
      },
    );
}
