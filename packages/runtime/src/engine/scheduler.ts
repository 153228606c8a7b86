/**
 * Runs queued deliveries in batches. Work is drained on a `setImmediate`
 * turn with a message budget, then the turn yields, so timers and I/O (the
 * HTTP server, MQTT sockets) are never starved by a busy flow.
 */
export interface Drainable {
  /** Set by the scheduler while the node is in the ready list. */
  scheduled: boolean;
  /** Handles up to `max` queued messages; returns how many it handled. */
  drain(max: number): number;
  /** Messages still queued. */
  readonly backlog: number;
}

export class Scheduler {
  private ready: Drainable[] = [];
  private readyHead = 0;
  private turnPending = false;

  constructor(
    /** Messages one node handles before the next ready node gets a turn. */
    private readonly batchSize = 256,
    /** Messages handled in one event-loop turn before yielding to I/O. */
    private readonly turnBudget = 8192,
  ) {}

  schedule(node: Drainable): void {
    if (node.scheduled) return;
    node.scheduled = true;
    this.ready.push(node);
    if (!this.turnPending) {
      this.turnPending = true;
      setImmediate(this.runTurn);
    }
  }

  private readonly runTurn = (): void => {
    this.turnPending = false;
    let budget = this.turnBudget;
    while (budget > 0 && this.readyHead < this.ready.length) {
      const node = this.ready[this.readyHead]!;
      this.readyHead += 1;
      node.scheduled = false;
      const handled = node.drain(Math.min(this.batchSize, budget));
      budget -= handled;
      // A node that handled nothing is waiting on its own in-flight work; its `done` reschedules it.
      if (node.backlog > 0 && handled > 0) this.schedule(node);
    }
    if (this.readyHead >= this.ready.length) {
      this.ready = [];
      this.readyHead = 0;
    } else if (this.readyHead > 1024) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    if (this.readyHead < this.ready.length && !this.turnPending) {
      this.turnPending = true;
      setImmediate(this.runTurn);
    }
  };
}
