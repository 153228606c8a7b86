import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pino, { type Logger } from "pino";
import { Engine } from "./engine/engine.js";
import { Registry } from "./registry/registry.js";
import { discoverPlugins, nodeModulesChain } from "./registry/discover.js";
import { openStore } from "./store/index.js";
import { FlowManager } from "./manager/index.js";
import { AdminAuth, EventHub, assertSafeBinding, createAdminServer, createFlowServer, createMetrics, type AdminUser } from "./server/index.js";

export interface RuntimeOptions {
  /** Admin API and editor. */
  port: number;
  host: string;
  /** Flow endpoints (`http-in`, `ws-out`). */
  httpPort: number;
  httpHost: string;
  dataDir: string;
  flowsDir: string;
  nodesDir?: string;
  token?: string;
  /** Host names the admin API answers to besides loopback and `host` (for DNS names and LAN addresses). */
  allowedHosts?: string[];
  users?: AdminUser[];
  logLevel?: string;
  watch?: boolean;
  editorDir?: string;
  /** Extra folders to search for plugins (tests). */
  pluginDirs?: string[];
  logger?: Logger;
}

export interface RunningRuntime {
  adminUrl: string;
  httpUrl: string;
  /** Where the servers really listen, as URLs (`http://0.0.0.0:8000/` when on every interface). */
  adminListening: string;
  httpListening: string;
  adminPort: number;
  httpPort: number;
  readyMs: number;
  engine: Engine;
  registry: Registry;
  manager: FlowManager;
  events: EventHub;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The repository's editor build, when the runtime runs from this workspace. */
function defaultEditorDir(): string | undefined {
  for (const candidate of [resolve(here, "../../../editor/dist"), resolve(process.cwd(), "editor/dist")]) {
    if (existsSync(join(candidate, "index.html"))) return candidate;
  }
  return undefined;
}

const isWildcard = (host: string): boolean => host === "0.0.0.0" || host === "::";
const bracketed = (host: string): string => (host.includes(":") ? `[${host}]` : host);

/** A URL to reach a server from this machine. */
function urlHost(host: string): string {
  return isWildcard(host) ? "127.0.0.1" : bracketed(host);
}

/** Starts a whole runtime: store, plugins, engine, flows, flow server and admin server. */
export async function startRuntime(options: RuntimeOptions): Promise<RunningRuntime> {
  const began = performance.now();
  const log = options.logger ?? pino({ level: options.logLevel ?? "info", base: undefined });
  const auth = { token: options.token, users: options.users };
  assertSafeBinding(options.host, auth);

  const store = openStore({ dataDir: options.dataDir });
  const registry = new Registry();
  await discoverPlugins({
    registry,
    searchDirs: [...(options.pluginDirs ?? []), ...nodeModulesChain(process.cwd()), ...nodeModulesChain(here)],
    nodesDir: options.nodesDir,
    log,
  });

  const events = new EventHub();
  const flowServer = createFlowServer({ host: options.httpHost, port: options.httpPort, log: log.child({ server: "flows" }) });
  const engine = new Engine({
    store,
    log,
    http: flowServer.http,
    ws: flowServer.ws,
    onEvent: (e) => events.publish(e),
  });
  const manager = new FlowManager({ engine, registry, store, flowsDir: options.flowsDir, log, onEvent: (e) => events.publish(e) });
  const metrics = createMetrics(() => engine.stats(), { outboxes: () => store.outbox.summary(), connections: () => engine.connectionStats() });
  let ready = false;
  const admin = createAdminServer({
    host: options.host,
    port: options.port,
    manager,
    engine,
    registry,
    events,
    metrics,
    auth: new AdminAuth(auth),
    allowedHosts: options.allowedHosts,
    log: log.child({ server: "admin" }),
    editorDir: options.editorDir ?? defaultEditorDir(),
    isReady: () => ready,
  });

  const { port: httpPort, address: httpAddress } = await flowServer.listen();
  const { port: adminPort, address: adminAddress } = await admin.listen();
  if (isWildcard(options.host) && (options.allowedHosts ?? []).length === 0) {
    log.warn(`the admin API listens on ${options.host} but answers only to loopback host names: list the names and addresses clients use with --allowed-hosts (WATTFLOW_ALLOWED_HOSTS)`);
  }
  await manager.loadAll();
  if (options.watch !== false) await manager.watch();
  events.startCounts(() => engine.stats());
  ready = true;

  return {
    adminUrl: `http://${urlHost(options.host)}:${adminPort}/`,
    httpUrl: `http://${urlHost(options.httpHost)}:${httpPort}/`,
    adminListening: `http://${bracketed(adminAddress)}:${adminPort}/`,
    httpListening: `http://${bracketed(httpAddress)}:${httpPort}/`,
    adminPort,
    httpPort,
    readyMs: Math.round(performance.now() - began),
    engine,
    registry,
    manager,
    events,
    async stop() {
      await manager.close();
      await engine.stop();
      events.close();
      await admin.close();
      await flowServer.close();
      store.close();
    },
  };
}
