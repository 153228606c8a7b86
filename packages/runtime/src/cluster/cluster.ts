import pg from "pg";
import type { Logger } from "pino";
import { Channels, type ChannelHandler } from "./channels.js";
import { ClusterJobs } from "./jobs.js";
import { applicationName, instanceId } from "./instance.js";
import { Peers } from "./peers.js";
import { createClusterSchema } from "./schema.js";
import type { ClusterView } from "./types.js";

export interface ClusterOptions {
  /** The store's PostgreSQL URL. */
  url: string;
  /** The store's schema, when it has one of its own (`?schema=` of --store): the cluster's tables, locks and channels live with it. */
  schema?: string;
  /** Default: WATTFLOW_INSTANCE, else `<hostname>-<pid>`. */
  instance?: string;
  log: Logger;
  /** Heartbeat period (default 2 s); a runtime silent for `deadAfterBeats` of them (default 3) is dead. */
  heartbeatMs?: number;
  deadAfterBeats?: number;
  /** How often a runtime waiting on another's job looks again (default 1 s). */
  jobRetryMs?: number;
}

/** Every session of a runtime: named after it (so its locks can be traced to it), in the store's schema, kept alive. */
function connection(o: ClusterOptions, instance: string): pg.ClientConfig {
  if (o.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(o.schema)) throw new Error(`schema "${o.schema}": use lower-case letters, digits and _`);
  return {
    connectionString: o.url,
    application_name: applicationName(instance, o.schema ?? ""),
    keepAlive: true,
    ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
  };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The runtimes sharing one PostgreSQL database: who is alive (heartbeats), who runs which
 * once-per-cluster job (advisory locks), and channels between them (LISTEN/NOTIFY). Nothing here
 * talks to another runtime directly; the database is the only shared part.
 */
export class Cluster {
  readonly jobs: ClusterJobs;
  private readonly channels: Channels;
  private readonly peers: Peers;
  private listenSession: pg.Client | null = null;
  private lockSession: pg.Client | null = null;
  private closed = false;
  private readonly reconnectListeners = new Set<() => void>();

  private constructor(
    private readonly pool: pg.Pool,
    readonly instance: string,
    private readonly o: ClusterOptions & { heartbeatMs: number; deadAfterBeats: number },
  ) {
    const log = o.log.child({ cluster: instance });
    const namespace = o.schema ?? "";
    this.peers = new Peers({ pool, instance, sessionName: applicationName(instance, namespace), heartbeatMs: o.heartbeatMs, deadAfterBeats: o.deadAfterBeats, log });
    this.channels = new Channels(pool, instance, log, namespace);
    this.jobs = new ClusterJobs({ pool, lockSession: () => this.lockSession, instance, namespace, retryMs: o.jobRetryMs ?? 1000, log });
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const instance = options.instance ?? instanceId();
    const pool = new pg.Pool({ ...connection(options, instance), max: 4 });
    pool.on("error", (err) => options.log.warn({ err: err.message }, "an idle cluster database connection failed"));
    const cluster = new Cluster(pool, instance, { ...options, heartbeatMs: options.heartbeatMs ?? 2000, deadAfterBeats: options.deadAfterBeats ?? 3 });
    try {
      await createClusterSchema(pool);
      await cluster.peers.join();
      await cluster.openLockSession();
      await cluster.openListenSession();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Hears what peers publish on `channel` (one handler per channel; call before peers publish). */
  async subscribe(channel: string, handler: ChannelHandler): Promise<void> {
    this.channels.handler(channel, handler);
    await this.listenSession?.query(`LISTEN ${this.channels.pgName(channel)}`);
  }

  /** Sends to every other runtime listening on `channel`. */
  publish(channel: string, message: string): void {
    this.channels.publish(channel, message);
  }

  /** Called after the listening session was lost and opened again: what was published meanwhile was missed. */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.add(listener);
  }

  async view(): Promise<ClusterView> {
    const [peers, locks] = await Promise.all([this.peers.live(), this.jobs.view()]);
    return { backend: "postgresql", instance: this.instance, peers, locks };
  }

  get counters(): { published: number; received: number } {
    return { published: this.channels.published, received: this.channels.received };
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.jobs.stop();
    await this.channels.drain().catch(() => undefined);
    await this.peers.leave();
    await this.listenSession?.end().catch(() => undefined);
    // Ending the session lets go of every job lock this runtime held: a peer's next tick takes them.
    await this.lockSession?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private async session(): Promise<pg.Client> {
    const client = new pg.Client(connection(this.o, this.instance));
    await client.connect();
    return client;
  }

  private async openLockSession(): Promise<void> {
    const client = await this.session();
    this.lockSession = client;
    const lost = (err?: Error): void => {
      if (this.lockSession !== client) return;
      this.lockSession = null;
      this.jobs.lost();
      if (this.closed) return;
      this.o.log.warn({ err: err?.message }, "the cluster lock session was lost; opening a new one");
      void this.retry(() => this.openLockSession());
    };
    client.on("error", lost);
    client.on("end", () => lost());
  }

  private async openListenSession(reconnect = false): Promise<void> {
    const client = await this.session();
    client.on("notification", (n) => {
      if (n.payload !== undefined) this.channels.deliver(n.channel, n.payload);
    });
    for (const channel of this.channels.channels()) await client.query(`LISTEN ${this.channels.pgName(channel)}`);
    this.listenSession = client;
    const lost = (err?: Error): void => {
      if (this.listenSession !== client) return;
      this.listenSession = null;
      if (this.closed) return;
      this.o.log.warn({ err: err?.message }, "the cluster listening session was lost; opening a new one");
      void this.retry(() => this.openListenSession(true));
    };
    client.on("error", lost);
    client.on("end", () => lost());
    if (reconnect) for (const l of this.reconnectListeners) l();
  }

  private async retry(open: () => Promise<void>): Promise<void> {
    for (let wait = 500; !this.closed; wait = Math.min(wait * 2, 10_000)) {
      await new Promise((r) => setTimeout(r, wait));
      try {
        await open();
        return;
      } catch (err) {
        this.o.log.warn({ err: message(err) }, `cluster database unreachable; retrying in ${Math.min(wait * 2, 10_000) / 1000} s`);
      }
    }
  }
}
