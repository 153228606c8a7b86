import type { ConnectionHealth, OutboxSummary } from "@wattflow/runtime";
import { InfluxError, type InfluxClient } from "./client.js";

/** A writer's outbox as the connection's health shows it. */
export interface OutboxWatch {
  /** The store outbox's name (`influx:<flow>/<node>`). */
  name: string;
  limit: number;
  /** Points in it now (the writer's own count, so no store scan). */
  depth(): number;
  /** Points dropped over the limit so far. */
  dropped(): number;
  /** Try the outbox now instead of after the current backoff wait (the server answers again). */
  retryNow(): void;
}

/** While the server is away, how often it is pinged, so writers learn it is back without waiting out their backoff. */
const AWAY_PING_MS = 5000;
/** A health answer never waits longer than this for the server. */
const HEALTH_PING_MS = 2000;
/** An outbox this full makes the connection "degraded": the next outage, or a longer one, loses points. */
const OUTBOX_WARN_RATIO = 0.9;

/**
 * What one `influxdb` connection knows about its server: whether the last
 * request got through, and the outboxes of the writers using it. Writers
 * report through the client (every write passes here); a health check asks
 * the server itself when nothing was heard lately.
 */
export class InfluxHealth {
  private lastOk = 0;
  private failure: { at: number; reason: string } | null = null;
  private readonly outboxes = new Set<OutboxWatch>();
  private pinger: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: InfluxClient,
    private readonly summaries: () => Promise<OutboxSummary[]>,
  ) {}

  /** The client nodes get: the same requests, each outcome noted. */
  observed(): InfluxClient & { readonly health: InfluxHealth } {
    const c = this.client;
    return {
      version: c.version,
      target: c.target,
      health: this,
      write: async (lines) => {
        try {
          await c.write(lines);
          this.succeeded();
        } catch (err) {
          // A refusal of the data is an answer: the server is there.
          if (err instanceof InfluxError && (err.rejectsData || err.tooLarge)) this.succeeded();
          else this.failed(err instanceof Error ? err.message : String(err));
          throw err;
        }
      },
      query: (q) => c.query(q),
      ping: () => c.ping(),
    };
  }

  /** Adds a writer's outbox to the health answer; the returned function removes it. */
  watch(outbox: OutboxWatch): () => void {
    this.outboxes.add(outbox);
    return () => this.outboxes.delete(outbox);
  }

  async check(): Promise<ConnectionHealth> {
    // Recent traffic says enough; otherwise (an idle flow, or a server that was away) ask it now.
    if (this.failure !== null || Date.now() - this.lastOk > HEALTH_PING_MS) await this.ping();
    const oldest = new Map((await this.summaries()).map((s) => [s.name, s.oldest]));
    const now = Date.now();
    const outboxes = [...this.outboxes].map((o) => {
      const at = oldest.get(o.name);
      return { name: o.name, depth: o.depth(), limit: o.limit, dropped: o.dropped(), oldest_seconds: at === undefined ? 0 : Math.round((now - at) / 1000) };
    });
    const info = { target: this.client.target, outboxes };
    if (this.failure !== null) return { status: "down", detail: `away: ${this.failure.reason}`, info };
    const full = outboxes.find((o) => o.depth >= o.limit * OUTBOX_WARN_RATIO);
    if (full) return { status: "degraded", detail: `outbox ${full.name} holds ${full.depth} of at most ${full.limit} points`, info };
    const waiting = outboxes.reduce((n, o) => n + o.depth, 0);
    return { status: "up", detail: waiting > 0 ? `answers; writing ${waiting} points from the outbox` : "answers", info };
  }

  close(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
  }

  private succeeded(): void {
    this.lastOk = Date.now();
    if (this.failure === null) return;
    this.failure = null;
    this.close();
  }

  private failed(reason: string): void {
    const first = this.failure === null;
    this.failure = { at: Date.now(), reason };
    if (first && this.pinger === null) {
      this.pinger = setInterval(() => void this.ping(), AWAY_PING_MS);
      this.pinger.unref();
    }
  }

  /** Asks the server; when it answers after an outage, the writers try their outboxes at once. */
  private async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), HEALTH_PING_MS);
    });
    const ok = await Promise.race([this.client.ping(), late]);
    clearTimeout(timer);
    if (!ok) {
      this.failed(this.failure?.reason ?? `${this.client.target} does not answer /ping`);
      return;
    }
    // Nothing waits to be written: the answer is all there is to know.
    if (this.failure === null || ![...this.outboxes].some((o) => o.depth() > 0)) {
      this.succeeded();
      return;
    }
    // Points wait: the server is back once they get through (a token it refuses would still fail them), so try now.
    for (const o of this.outboxes) o.retryNow();
  }
}
