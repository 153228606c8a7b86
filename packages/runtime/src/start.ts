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

function urlHost(host: string): string {
  return host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
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
  const metrics = createMetrics(() => engine.stats());
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
    log: log.child({ server: "admin" }),
    editorDir: options.editorDir ?? defaultEditorDir(),
    isReady: () => ready,
  });

  const { port: httpPort } = await flowServer.listen();
  const { port: adminPort } = await admin.listen();
  await manager.loadAll();
  if (options.watch !== false) await manager.watch();
  events.startCounts(() => engine.stats());
  ready = true;

  return {
    adminUrl: `http://${urlHost(options.host)}:${adminPort}/`,
    httpUrl: `http://${urlHost(options.httpHost)}:${httpPort}/`,
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
