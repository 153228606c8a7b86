import { cronTimer } from "./cron-timer.js";
import { longInterval, longTimeout } from "../util/long-timer.js";
import type { HttpRouter, JobGate, NodeTimers, TimerHandle, WsEndpoint, WsHub } from "./types.js";
import { isUtcZone } from "../util/utc.js";

/**
 * A schedule's zone for croner. UTC goes as a fixed offset: a named zone makes croner format dates with Intl,
 * whose first use pages in the time-zone database (about 6 MB of resident memory for the life of the process).
 */
function cronZone(timezone: string | undefined): { timezone?: string; utcOffset?: number } {
  if (timezone === undefined) return {};
  return isUtcZone(timezone) ? { utcOffset: 0 } : { timezone };
}

/**
 * Everything a node instance opened through its handle (timers, routes,
 * WebSocket endpoints), so closing the instance releases all of it even when
 * the node's own `close` forgets or times out.
 */
export class OwnedResources {
  private readonly releases = new Set<() => void>();
  private closed = false;

  constructor(private readonly onCallbackError: (err: unknown) => void) {}

  own(release: () => void): () => void {
    if (this.closed) {
      release();
      return () => {};
    }
    this.releases.add(release);
    return () => {
      if (this.releases.delete(release)) release();
    };
  }

  /** The job gate for this owner: its waits end, and the jobs it ran are let go, when the owner closes. */
  jobs(gate: JobGate): JobGate {
    const closing = new AbortController();
    const used = new Set<string>();
    this.own(() => {
      closing.abort();
      for (const job of used) void gate.release?.(job).catch(this.onCallbackError);
    });
    return {
      shared: gate.shared,
      run: (job, slot, work, options) => {
        used.add(job);
        // The caller's own signal (a newer tick giving up an older wait) and the owner's close both end a wait.
        const signal = options?.signal ? AbortSignal.any([options.signal, closing.signal]) : closing.signal;
        return gate.run(job, slot, work, { signal });
      },
    };
  }

  releaseAll(): void {
    this.closed = true;
    for (const release of this.releases) {
      try {
        release();
      } catch (err) {
        this.onCallbackError(err);
      }
    }
    this.releases.clear();
  }

  guard(fn: () => void): () => void {
    return () => {
      if (this.closed) return;
      try {
        fn();
      } catch (err) {
        this.onCallbackError(err);
      }
    };
  }

  timers(defaultTimezone: string | undefined): NodeTimers {
    return {
      setTimeout: (fn, ms) => {
        let cancel = (): void => {};
        const t = longTimeout(() => {
          cancel();
          this.guard(fn)();
        }, ms);
        cancel = this.own(() => t.clear());
        return { cancel };
      },
      setInterval: (fn, ms) => {
        const t = longInterval(this.guard(fn), ms);
        return { cancel: this.own(() => t.clear()) };
      },
      cron: (expression, fn, options) => {
        const job = cronTimer(expression, cronZone(options?.timezone ?? defaultTimezone), this.guard(fn));
        const cancel = this.own(() => job.stop());
        return { cancel, nextRun: () => job.nextRun() };
      },
    };
  }

  http(router: HttpRouter): HttpRouter {
    return {
      route: (method, path, handler, meta) => this.own(router.route(method, path, handler, meta)),
      // Reading is not owned: listing routes leaves nothing to release.
      routes: () => router.routes(),
    };
  }

  ws(hub: WsHub): WsHub {
    return {
      endpoint: (path, options) => {
        const endpoint: WsEndpoint = hub.endpoint(path, options);
        this.own(() => endpoint.close());
        return endpoint;
      },
    };
  }
}

export type { TimerHandle };
