import type { CompiledNode } from "../flow/compiled.js";
import { DeliveryQueue } from "./queue.js";
import { Tracker, type CompletionCallback } from "./completion.js";
import { createMessage, deepFreeze, type Message } from "./message.js";
import type { Drainable, Scheduler } from "./scheduler.js";
import { enterHandler, handlersRan, leaveHandler } from "./running-handler.js";
import type { Done, NodeBehaviour, NodeStatus, Output, Send } from "./types.js";

/** What a runtime node needs from the flow that holds it. */
export interface NodeHost {
  readonly scheduler: Scheduler;
  readonly freeze: boolean;
  reportError(node: RuntimeNode, err: unknown, msg: Message | undefined): void;
  queueFull(node: RuntimeNode): void;
  queueRelieved(node: RuntimeNode): void;
  /** A message was dropped by the queue policy (throttled reporting is the host's job). */
  messageDropped(node: RuntimeNode): void;
}

export interface NodeCounters {
  received: number;
  sent: number[];
  dropped: number;
  errors: number;
  /** Input the node itself refused (it says so through `countRejected`). */
  rejected: number;
  /** Messages the node parked as dead letters (`deadLetter`). */
  deadLetters: number;
}

const DEFAULT_CONCURRENCY = 1000;
/** How many nodes deep a message is handed on synchronously before it goes through a queue. */
const MAX_DIRECT_DEPTH = 32;
let directDepth = 0;
const QUEUE_FULL = new Error("dropped: the node's input queue is full");
const NOT_RUNNING = new Error("dropped: the node is not running");

/**
 * The engine's shell around one node: its queue, wiring, counters and the
 * behaviour its definition created. The shell outlives a restart of the node
 * (a config change swaps the behaviour), so queued messages are kept.
 */
export class RuntimeNode implements Drainable {
  scheduled = false;
  behaviour: NodeBehaviour | null = null;
  /** Resolved targets per output port. */
  outputs: RuntimeNode[][] = [];
  status: NodeStatus = {};
  /** When the engine last put a status of its own on this node (errors, drops), to throttle it. */
  lastEngineStatus = 0;
  readonly counters: NodeCounters;
  private readonly queue = new DeliveryQueue();
  private inFlight = 0;
  private full = false;
  /** True while the node's input handler runs (re-entry goes through the queue). */
  private busy = false;
  /** The message its input handler is on, while it runs (a status it sets then continues a status chain). */
  handling: Message | undefined = undefined;

  private readonly scheduler: Scheduler;
  private readonly freeze: boolean;

  constructor(
    readonly flowId: string,
    public compiled: CompiledNode,
    private readonly host: NodeHost,
  ) {
    this.scheduler = host.scheduler;
    this.freeze = host.freeze;
    this.counters = { received: 0, sent: new Array<number>(compiled.ports.length).fill(0), dropped: 0, errors: 0, rejected: 0, deadLetters: 0 };
  }

  get id(): string {
    return this.compiled.id;
  }

  get key(): string {
    return `${this.flowId}/${this.compiled.id}`;
  }

  get backlog(): number {
    return this.queue.length;
  }

  /** True while a `block` queue is over its size (sources upstream pause). */
  get isFull(): boolean {
    return this.full;
  }

  get pending(): number {
    return this.inFlight;
  }

  /** A message arriving on this node's input. */
  accept(msg: Message, tracker: Tracker | null): void {
    if (this.queue.length >= this.compiled.queue.size) {
      const { size, policy } = this.compiled.queue;
      if (policy === "drop-oldest") {
        this.dropHead();
      } else if (policy === "drop-newest" || this.queue.length >= size * 2) {
        // `block` asks sources to pause; one that does not is held to twice the size.
        this.counters.dropped += 1;
        tracker?.fail(QUEUE_FULL);
        this.host.messageDropped(this);
        return;
      }
      if (policy === "block" && !this.full) {
        this.full = true;
        this.host.queueFull(this);
      }
    }
    if (tracker !== null) tracker.retain();
    // Fast path: nothing waits before this message and the node is idle, so handing it over now keeps
    // the per-wire order; the depth limit keeps long or looping chains off the stack.
    if (this.queue.length === 0 && !this.busy && directDepth < MAX_DIRECT_DEPTH && this.inFlight < this.concurrencyLimit) {
      directDepth += 1;
      this.busy = true;
      try {
        this.deliver(msg, tracker);
      } finally {
        this.busy = false;
        directDepth -= 1;
      }
      return;
    }
    this.queue.push(msg, tracker);
    if (!this.scheduled) this.scheduler.schedule(this);
  }

  private get concurrencyLimit(): number {
    return this.compiled.queue.concurrency ?? this.compiled.definition.concurrency ?? DEFAULT_CONCURRENCY;
  }

  drain(max: number): number {
    let handled = 0;
    const limit = this.concurrencyLimit;
    this.busy = true;
    // Timed per drain, not per message: the stall watchdog names the node that held the loop.
    const began = performance.now();
    try {
      while (handled < max && this.queue.length > 0 && this.inFlight < limit) {
        const msg = this.queue.peekMsg();
        const tracker = this.queue.peekTracker();
        this.queue.shift();
        handled += 1;
        this.deliver(msg, tracker);
      }
    } finally {
      this.busy = false;
      handlersRan(this, began);
    }
    if (this.full && this.queue.length <= this.compiled.queue.size / 2) {
      this.full = false;
      this.host.queueRelieved(this);
    }
    return handled;
  }

  /** Sends from outside an input handler (sources); tracks completion when asked. */
  sendFromSource(out: Output, onComplete?: CompletionCallback): void {
    if (!onComplete) {
      this.emit(out, null);
      return;
    }
    const tracker = new Tracker(onComplete);
    tracker.retain();
    this.emit(out, tracker);
    tracker.release();
  }

  /** Fails every queued message (the node is being removed). */
  discardQueue(): number {
    const n = this.queue.drainAll((t) => {
      if (t) {
        t.fail(NOT_RUNNING);
        t.release();
      }
    });
    this.counters.dropped += n;
    if (this.full) {
      this.full = false;
      this.host.queueRelieved(this);
    }
    return n;
  }

  fail(err: unknown, msg: Message | undefined, tracker: Tracker | null): void {
    this.counters.errors += 1;
    tracker?.fail(err instanceof Error ? err : new Error(String(err)));
    this.host.reportError(this, err, msg);
  }

  private deliver(msg: Message, tracker: Tracker | null): void {
    this.counters.received += 1;
    const behaviour = this.behaviour;
    if (!behaviour?.input || this.compiled.disabled) {
      if (tracker) {
        if (!behaviour) tracker.fail(NOT_RUNNING);
        tracker.release();
      }
      return;
    }
    let finished = false;
    this.inFlight += 1;
    // Untracked messages share one send function: one closure less per message on the hot path.
    const send: Send = tracker === null ? this.sendUntracked : (out) => this.emit(out, tracker);
    const done: Done = (err) => {
      if (finished) return;
      finished = true;
      this.inFlight -= 1;
      // A slot freed up: messages waiting behind the limit may go on.
      if (this.queue.length > 0 && !this.scheduled) this.scheduler.schedule(this);
      if (err !== undefined && err !== null) this.fail(err, msg, tracker);
      tracker?.release();
    };
    const outer = enterHandler(this, msg);
    try {
      const result = behaviour.input(msg, send, done);
      if (result !== undefined && typeof (result as Promise<void>).then === "function") {
        (result as Promise<void>).then(undefined, done);
      }
    } catch (err) {
      done(err);
    } finally {
      leaveHandler(this, outer);
    }
  }

  private readonly sendUntracked: Send = (out) => this.emit(out, null);

  private dropHead(): void {
    const tracker = this.queue.peekTracker();
    this.queue.shift();
    this.counters.dropped += 1;
    this.host.messageDropped(this);
    if (tracker) {
      tracker.fail(QUEUE_FULL);
      tracker.release();
    }
  }

  emit(out: Output, tracker: Tracker | null): void {
    if (out === null || out === undefined) return;
    if (!Array.isArray(out)) {
      this.toPort(0, out as Message, tracker);
      return;
    }
    for (let port = 0; port < out.length; port++) {
      const item = out[port];
      if (item === null || item === undefined) continue;
      if (Array.isArray(item)) {
        for (const m of item as readonly Message[]) if (m) this.toPort(port, m, tracker);
      } else {
        this.toPort(port, item as Message, tracker);
      }
    }
  }

  private toPort(port: number, msg: Message, tracker: Tracker | null): void {
    if (typeof msg !== "object") {
      this.fail(new TypeError(`sent a ${typeof msg} on output ${port}; messages are objects`), undefined, tracker);
      return;
    }
    if (typeof msg._msgid !== "string") msg = createMessage(msg);
    if (this.freeze) deepFreeze(msg);
    if (port < this.counters.sent.length) this.counters.sent[port]! += 1;
    const targets = this.outputs[port];
    if (targets === undefined) return;
    for (let i = 0; i < targets.length; i++) targets[i]!.accept(msg, tracker);
  }
}
