import type { Logger } from "pino";
import type { Store } from "../../store/types.js";
import type { HttpReply, HttpRequest, HttpRouter, JobGate, JobRun, RouteMeta, WsEndpoint, WsHub } from "../types.js";
import { asBuffer, type Channel } from "./channel.js";
import { runStoreOperation } from "./worker-services.js";
import { offered } from "./main-thread.js";

export interface ServedHost {
  readonly store: Store;
  readonly http: HttpRouter;
  readonly ws: WsHub;
  readonly jobs: JobGate;
  readonly log: Logger;
  /** A problem the worker's flow caused here (a route path taken): said on the flow's log and event stream. */
  problem(text: string): void;
}

/** How long a request waits for an isolated flow's worker before it is answered 503. */
const HTTP_WAIT_MS = 120_000;

/** Process-wide things a worker asks the main thread to hold for it (the embedded MQTT broker). */
interface Shared {
  release(): Promise<void>;
}

/**
 * Serves one worker's requests on the main thread: store operations, routes,
 * WebSocket endpoints, gated jobs and shared resources. Everything it opens
 * belongs to that worker: `releaseAll` (the worker stopped or crashed)
 * removes its routes and endpoints, ends its job waits and releases what
 * it held.
 */
export class WorkerServices {
  private readonly routes = new Map<number, () => void>();
  private readonly endpoints = new Map<number, { endpoint: WsEndpoint; clients: number }>();
  private readonly jobAborts = new Map<number, AbortController>();
  private readonly shared = new Map<number, Shared>();
  private nextShared = 0;
  /** Set once the worker is gone: what an acquire still under way gets is released at once. */
  private released = false;

  constructor(
    private readonly channel: Channel,
    private readonly host: ServedHost,
  ) {
    channel.handle("store", (path: string[], args: unknown[]) => runStoreOperation(host.store, path, args));
    channel.handle("route", (id: number, method: string, path: string, meta: RouteMeta | undefined) => this.route(id, method, path, meta));
    channel.handle("unroute", (id: number) => {
      this.routes.get(id)?.();
      this.routes.delete(id);
    });
    channel.handle("wsOpen", (id: number, path: string, options: { heartbeatMs?: number; maxBufferedBytes?: number }) => this.openEndpoint(id, path, options));
    channel.handle("wsSend", (id: number, data: unknown) => {
      const e = this.endpoints.get(id);
      if (!e) return;
      this.tellClients(id, e, e.endpoint.broadcast(data));
    });
    channel.handle("wsClose", (id: number) => {
      this.endpoints.get(id)?.endpoint.close();
      this.endpoints.delete(id);
    });
    channel.handle("jobRun", (id: number, job: string, slot: number) => this.runJob(id, job, slot));
    channel.handle("jobAbort", (id: number) => this.jobAborts.get(id)?.abort());
    channel.handle("acquire", (name: string, args: unknown[]) => this.acquire(name, args));
    channel.handle("releaseShared", async (id: number) => {
      const s = this.shared.get(id);
      this.shared.delete(id);
      await s?.release();
    });
  }

  /** Tells the worker endpoint client counts that changed (the watchdog's tick calls this). */
  refreshClientCounts(): void {
    for (const [id, e] of this.endpoints) this.tellClients(id, e, e.endpoint.clientCount);
  }

  async releaseAll(): Promise<void> {
    this.released = true;
    for (const remove of this.routes.values()) remove();
    this.routes.clear();
    for (const e of this.endpoints.values()) e.endpoint.close();
    this.endpoints.clear();
    for (const abort of this.jobAborts.values()) abort.abort();
    this.jobAborts.clear();
    const shared = [...this.shared.values()];
    this.shared.clear();
    await Promise.all(shared.map((s) => s.release().catch((err: unknown) => this.host.log.warn({ err: String(err) }, "releasing a shared resource failed"))));
  }

  private tellClients(id: number, e: { clients: number }, count: number): void {
    if (count === e.clients) return;
    e.clients = count;
    this.channel.note("wsClients", id, count);
  }

  private route(id: number, method: string, path: string, meta: RouteMeta | undefined): void {
    try {
      const remove = this.host.http.route(
        method,
        path,
        async (req: HttpRequest): Promise<HttpReply> => {
          // The flow's own timeout (http-in's) runs in the worker: one stuck in a node's code cannot keep the client waiting forever.
          let timer: NodeJS.Timeout | undefined;
          const busy = new Promise<HttpReply>((resolve) => {
            timer = setTimeout(() => resolve({ status: 503, body: { error: "the flow serving this route is busy (its worker did not answer)" } }), HTTP_WAIT_MS);
          });
          try {
            const reply = await Promise.race([this.channel.call<HttpReply>("http", id, req), busy]);
            return { ...reply, body: asBuffer(reply.body) };
          } finally {
            clearTimeout(timer);
          }
        },
        meta,
      );
      this.routes.set(id, remove);
    } catch (err) {
      this.host.problem(`route ${method} ${path} not served: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private openEndpoint(id: number, path: string, options: { heartbeatMs?: number; maxBufferedBytes?: number }): void {
    try {
      const endpoint = this.host.ws.endpoint(path, options);
      endpoint.onMessage((data, clientId) => this.channel.note("wsMessage", id, data, clientId));
      this.endpoints.set(id, { endpoint, clients: 0 });
    } catch (err) {
      this.host.problem(`WebSocket endpoint ${path} not served: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async runJob(id: number, job: string, slot: number): Promise<unknown> {
    const abort = new AbortController();
    this.jobAborts.set(id, abort);
    try {
      return await this.host.jobs.run(job, slot, (run: JobRun) => this.channel.call<void>("jobWork", id, run), { signal: abort.signal });
    } finally {
      this.jobAborts.delete(id);
    }
  }

  /**
   * Acquires what the main thread offers as `name` for the worker and holds
   * it until the worker releases it or stops; the worker gets its plain
   * fields and a handle id.
   */
  private async acquire(name: string, args: unknown[]): Promise<{ id: number; fields: Record<string, unknown> }> {
    const acquire = offered(name) as ((...a: unknown[]) => Promise<Shared & Record<string, unknown>>) | undefined;
    if (!acquire) throw new Error(`the main thread offers no "${name}" to isolated flows`);
    const value = await acquire(...args);
    if (this.released) {
      await value.release();
      throw new Error(`the isolated flow's worker stopped while "${name}" was being acquired`);
    }
    const id = ++this.nextShared;
    this.shared.set(id, value);
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v !== "function") fields[k] = v;
    return { id, fields };
  }
}
