import { hostname } from "node:os";
import type { Pool } from "pg";
import type { Logger } from "pino";
import type { PeerView } from "./types.js";

export interface PeersOptions {
  pool: Pool;
  instance: string;
  /** This runtime's database session name (applicationName). */
  sessionName: string;
  heartbeatMs: number;
  /** A peer whose last heartbeat is older than this many heartbeats is dead. */
  deadAfterBeats: number;
  log: Logger;
}

/** The peers table: each runtime's row, refreshed every heartbeat by the database's clock. */
export class Peers {
  private timer: NodeJS.Timeout | null = null;
  private readonly started = new Date();
  private failing = false;

  constructor(private readonly o: PeersOptions) {}

  /**
   * Joins: refuses an instance id that a live runtime uses (its database session is still open),
   * since two runtimes under one name would take each other's MQTT sessions.
   */
  async join(): Promise<void> {
    // Called before this runtime opens any other session, so any session under the name is another process's.
    // A runtime restarted right after a crash may still find its former sessions, ending: they get a moment.
    const others = async (): Promise<number> => {
      const { rows } = await this.o.pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
        [this.o.sessionName],
      );
      return Number(rows[0]!.n);
    };
    let inUse = await others();
    for (let waited = 0; inUse > 0 && waited < 3000; waited += 250) {
      await new Promise((r) => setTimeout(r, 250));
      inUse = await others();
    }
    if (inUse > 0) {
      throw new Error(`instance id "${this.o.instance}" is in use by a running Wattflow runtime: give each runtime its own WATTFLOW_INSTANCE`);
    }
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.o.heartbeatMs);
    this.timer.unref();
  }

  async leave(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.o.pool.query("DELETE FROM wattflow_cluster_peers WHERE instance = $1", [this.o.instance]).catch(() => undefined);
  }

  /** Runtimes seen within the dead-after window, oldest first. */
  async live(): Promise<PeerView[]> {
    const { rows } = await this.o.pool.query<{ instance: string; host: string; pid: number; started: Date; last_seen: Date; age: number }>(
      `SELECT instance, host, pid, started, last_seen, extract(epoch FROM now() - last_seen)::float8 AS age
         FROM wattflow_cluster_peers
        WHERE last_seen > now() - make_interval(secs => $1)
        ORDER BY started, instance`,
      [(this.o.heartbeatMs * this.o.deadAfterBeats) / 1000],
    );
    return rows.map((r) => ({ instance: r.instance, host: r.host, pid: r.pid, started: r.started.toISOString(), lastSeen: r.last_seen.toISOString(), ageSeconds: Math.round(r.age * 10) / 10 }));
  }

  private async beat(): Promise<void> {
    try {
      await this.o.pool.query(
        `INSERT INTO wattflow_cluster_peers (instance, host, pid, started, last_seen) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (instance) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, started = EXCLUDED.started, last_seen = now()`,
        [this.o.instance, hostname(), process.pid, this.started],
      );
      // Rows of runtimes gone for an hour, and spilled channel payloads everyone had a minute to read.
      await this.o.pool.query("DELETE FROM wattflow_cluster_peers WHERE last_seen < now() - interval '1 hour'");
      await this.o.pool.query("DELETE FROM wattflow_cluster_payloads WHERE created < now() - interval '1 minute'");
      if (this.failing) this.o.log.info("cluster heartbeat written again");
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, "cluster heartbeat failed; retrying every heartbeat");
      this.failing = true;
    }
  }
}
