import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pino, { type Logger } from "pino";
import { Engine } from "./engine/engine.js";
import { Registry } from "./registry/registry.js";
import { discoverPlugins, nodeModulesChain } from "./registry/discover.js";
import { openStoreFrom, parseStoreSpec } from "./store/index.js";
import { FlowManager } from "./manager/index.js";
import type { SharedDeploys } from "./cluster/index.js";
import { AdminAuth, EventHub, assertSafeBinding, createAdminServer, createFlowServer, createMetrics, type AdminUser } from "./server/index.js";
import { defaultCacheDir } from "./flow/validator-cache.js";
import { pruneCacheLater } from "./util/cache-prune.js";

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
  /**
   * The store's location when it is not the data folder's SQLite file: a `postgres://` URL. Runtimes
   * given the same PostgreSQL store form a cluster (shared deploys, once-per-cluster jobs, WebSocket fan-out).
   */
  store?: string;
  /** This runtime's name among its peers (default: WATTFLOW_INSTANCE, else `<hostname>-<pid>`). */
  instance?: string;
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

  // Plugins are found and imported while the store opens: both wait mostly on the disk.
  const registry = new Registry();
  const pluginDirs = [...(options.pluginDirs ?? []), ...nodeModulesChain(process.cwd()), ...nodeModulesChain(here)];
  const discovered = discoverPlugins({
    registry,
    searchDirs: pluginDirs,
    nodesDir: options.nodesDir,
    log,
  });
  // Awaited below; a store that fails to open must not leave this rejection unobserved.
  discovered.catch(() => undefined);
  const store = await openStoreFrom(parseStoreSpec(options.store, options.dataDir), {
    onContextError: (err) => log.error({ err: err.message }, `a context write did not reach the store (the running nodes keep the value): ${err.message}`),
  });
  log.info({ store: store.backend, location: store.location }, `store: ${store.backend} at ${store.location}`);
  // Runtimes over one PostgreSQL store share their work through it; alone (SQLite) there is nothing to share.
  const spec = parseStoreSpec(options.store, options.dataDir);
  // Loaded only for a PostgreSQL store, like its client library.
  const clustering = spec.backend === "postgres" ? await import("./cluster/index.js") : null;
  const cluster =
    clustering && spec.backend === "postgres"
      ? await clustering.Cluster.start({ url: spec.url, log, ...(spec.schema ? { schema: spec.schema } : {}), ...(options.instance ? { instance: options.instance } : {}) })
      : null;
  await discovered;

  const events = new EventHub();
  const flowServer = createFlowServer({ host: options.httpHost, port: options.httpPort, log: log.child({ server: "flows" }) });
  const engine = new Engine({
    store,
    log,
    http: flowServer.http,
    ws: flowServer.ws,
    ...(cluster ? { jobs: cluster.jobs } : {}),
    // An isolated flow's worker finds the same plugins as this thread.
    isolation: { pluginDirs, ...(options.nodesDir ? { nodesDir: options.nodesDir } : {}) },
    onEvent: (e) => events.publish(e),
  });
  let sharedDeploys: SharedDeploys | null = null;
  const manager = new FlowManager({
    engine,
    registry,
    store,
    flowsDir: options.flowsDir,
    log,
    onEvent: (e) => {
      events.publish(e);
      sharedDeploys?.onEvent(e);
    },
  });
  if (clustering && cluster) {
    sharedDeploys = await clustering.shareDeploys(cluster, manager, store, log);
    await clustering.shareWebSockets(cluster, flowServer.ws);
  }
  const metrics = createMetrics(() => engine.stats(), {
    outboxes: () => store.outbox.summary(),
    connections: () => engine.connectionStats(),
    backend: cluster ? "postgresql" : "sqlite",
    ...(cluster ? { cluster: () => cluster.view() } : {}),
  });
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
    backend: cluster ? "postgresql" : "sqlite",
    ...(cluster ? { cluster } : {}),
  });

  const { port: httpPort, address: httpAddress } = await flowServer.listen();
  const { port: adminPort, address: adminAddress } = await admin.listen();
  if (isWildcard(options.host) && (options.allowedHosts ?? []).length === 0) {
    log.warn(`the admin API listens on ${options.host} but answers only to loopback host names: list the names and addresses clients use with --allowed-hosts (WATTFLOW_ALLOWED_HOSTS)`);
  }
  // A runtime joining a cluster runs the cluster's latest revisions, not a stale copy of the flow files.
  if (clustering && cluster) await clustering.refreshFlowFiles(store, options.flowsDir, log);
  await manager.loadAll();
  if (options.watch !== false) await manager.watch();
  events.startCounts(() => engine.stats());
  ready = true;
  // The admin API's framework loads once the flows run, so neither the start nor the first request waits for it.
  setImmediate(() => void admin.prepare().catch((err: unknown) => log.error({ err }, "the admin API could not load")));
  // What no start has used for a long time goes from WATTFLOW_CACHE_DIR, once this start has settled.
  const cancelPruning = pruneCacheLater(defaultCacheDir(), log);

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
      cancelPruning();
      await manager.close();
      await engine.stop();
      events.close();
      await admin.close();
      await flowServer.close();
      await cluster?.stop();
      await store.close();
    },
  };
}
