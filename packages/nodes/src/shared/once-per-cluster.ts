import { Type, type NodeHandle } from "@wattflow/runtime";

/** The `cluster` option of a node that polls a device on its own timer. */
export const PollCluster = Type.Union([Type.Literal("every"), Type.Literal("one")], {
  default: "every",
  description:
    "runtimes sharing a PostgreSQL store: each polls on its own timer (every), or each interval period is polled once, by one of them (one)",
});

export interface PollingOptions {
  cluster: "every" | "one";
  everyMs: number;
  /** The first poll, this long after the node starts. */
  firstAfterMs: number;
  /** Never rejects: a failed poll is the poller's to report. */
  poll: () => Promise<void>;
}

/**
 * Arms a poller's timers: a first poll soon after start, then one per interval.
 *
 * With `cluster: "one"` each poll goes through the job gate as `<flow>/<node>`, as an `inject` tick does: the
 * runtime holding the job's lock polls, the others wait until it recorded the slot, and one of them takes over
 * when it dies. A tick's slot is the start of the interval period it falls in (runtimes' timers tick at different
 * moments within it), so every runtime names it alike. The first poll's slot is the moment the node started: later
 * than every slot done before, so a (re)started node polls at once like a runtime on its own does, and earlier than
 * its own first tick's period, so that tick is never taken for done. A runtime waiting on the holder gives up its
 * wait at its next tick rather than keep one wait per tick. A runtime on its own polls as with `every`.
 */
export function startPolling(node: NodeHandle, o: PollingOptions): void {
  if (o.cluster === "every") {
    node.timers.setTimeout(() => void o.poll(), o.firstAfterMs);
    node.timers.setInterval(() => void o.poll(), o.everyMs);
    return;
  }
  const every = Math.max(1, o.everyMs);
  const gated = gatedBySlot(node, o.poll, () => node.status({ fill: "grey", shape: "ring", text: "polled by another runtime of the cluster" }));
  const startedAt = Date.now();
  // Before the first tick, whose slot would otherwise take the first poll's for done.
  node.timers.setTimeout(() => gated(startedAt), Math.min(o.firstAfterMs, every));
  node.timers.setInterval(() => gated(Math.floor(Date.now() / every) * every), every);
}

/**
 * `work` run once per cluster for each slot it is called with, through the job gate as `<flow>/<node>`. A call
 * gives up the wait of the call before it (a runtime waiting on the holder keeps one wait, not one per tick);
 * `elsewhere` is told when another runtime ran the slot. Errors go to the node's error output. A runtime on its own
 * (a gate not shared) runs `work` at every call: its gate would take a slot at or before the last one run for done,
 * and a wall clock set back would then stop the work until the clock caught up.
 */
export function gatedBySlot(node: NodeHandle, work: () => Promise<void>, elsewhere?: () => void): (slot: number) => void {
  if (!node.jobs.shared) return () => void work().catch((err: unknown) => node.error(err));
  const job = `${node.flowId}/${node.id}`;
  let waiting: AbortController | null = null;
  return (slot) => {
    waiting?.abort();
    const wait = (waiting = new AbortController());
    node.jobs
      .run(job, slot, work, { signal: wait.signal })
      .then((outcome) => {
        if (outcome !== "ran") elsewhere?.();
      })
      .catch((err: unknown) => node.error(err))
      .finally(() => {
        if (waiting === wait) waiting = null;
      });
  };
}
