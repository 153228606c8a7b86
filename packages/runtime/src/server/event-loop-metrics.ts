import type { Registry } from "prom-client";
import { eventLoopDelay } from "../engine/stall-monitor.js";

/** Event-loop delay (p50, p99, max over the last minute or two) and stalls, read from the stall monitor at scrape time. */
export function eventLoopMetrics({ Counter, Gauge }: typeof import("prom-client"), registry: Registry): void {
  new Gauge({
    name: "wattflow_event_loop_delay_seconds",
    help: "Event-loop delay over the last one to two minutes (stat: p50, p99, max); a blocked loop stalls every flow and the admin API",
    labelNames: ["stat"] as const,
    registers: [registry],
    collect() {
      const d = eventLoopDelay();
      this.set({ stat: "p50" }, d.p50Seconds);
      this.set({ stat: "p99" }, d.p99Seconds);
      this.set({ stat: "max" }, d.maxSeconds);
    },
  });
  new Counter({
    name: "wattflow_event_loop_stalls_total",
    help: "Times the event loop was blocked for a second or more (the log names the node)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(eventLoopDelay().stalls);
    },
  });
}
