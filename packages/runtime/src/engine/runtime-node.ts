import type { CompiledNode } from "../flow/compiled.js";
import { DeliveryQueue, Outbox } from "./queue.js";
import { Tracker, type CompletionCallback } from "./completion.js";
import { createMessage, deepFreeze, type Message } from "./message.js";
import type { Drainable, Scheduler } from "./scheduler.js";
import { enterHandler, handlersRan, leaveHandler, running, type HandlerOwner } from "./running-handler.js";
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
  /** True when a message `from` sends can come back to `to` through wires (a loop). */
  reaches(from: RuntimeNode, to: RuntimeNode): boolean;
  /** A message this node watched by `complete` nodes finished without error. */
  messageCompleted(node: RuntimeNode, msg: Message): void;
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
const SENT: Promise<void> = Promise.resolve();

/**
 * The engine's shell around one node: its queue, wiring, counters and the
 * behaviour its definition created. The shell outlives a restart of the node
 * (a config change swaps the behaviour), so queued messages are kept.
 */
export class RuntimeNode implements Drainable {
  scheduled = false;
  /** What `behaviour` handles input with; kept apart so a delivery reads one field, not the behaviour's shape. */
  private transformer: ((msg: Message) => Output) | null = null;
  /** The transform's results keep their input's `_msgid` (`transformKeepsId`): no id check per result. */
  private keepsId = false;
  private handler: NonNullable<NodeBehaviour["input"]> | null = null;
  private current: NodeBehaviour | null = null;
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
  /**
   * What this node sent that a full `block` queue downstream had no room for,
   * in send order. While it holds anything, the node is held: everything it
   * sends joins it (per-wire order) and its own input is not drained.
   */
  private readonly outbox = new Outbox<RuntimeNode>();
  /** Senders held on this node's full queue, woken when it has room again. */
  private readonly heldSenders = new Set<RuntimeNode>();
  /** Resolves when the outbox empties (made on demand: `whenSent`). */
  private sentWaiter: { promise: Promise<void>; resolve: () => void } | null = null;
  /** Set when the node left its flow: what is held for it is dropped, not delivered. */
  private retired = false;
  /** Set while a redeploy restarts the node: input queues up (policy as usual) until `resume`. */
  private restarting = false;
  /** A `complete` node watches this one (set when the flow is wired): finished messages are reported. */
  completeWatched = false;
  /**
   * A `status` node watches this one (set when the flow is wired). Only then does a status it sets need the
   * message it handles (a status chain goes on), so only then is that message noted while the handler runs:
   * noting it costs a store of a new object into an old one on every delivery.
   */
  statusWatched = false;

  private readonly scheduler: Scheduler;
  private readonly freeze: boolean;
  /** Read from `compiled` when it is set (a redeploy swaps it), so a delivery does not walk the config. */
  private spec!: CompiledNode;
  private queueSize = 0;
  private blocking = false;
  private concurrencyLimit = DEFAULT_CONCURRENCY;
  private disabled = false;

  constructor(
    readonly flowId: string,
    compiled: CompiledNode,
    private readonly host: NodeHost,
  ) {
    this.scheduler = host.scheduler;
    this.freeze = host.freeze;
    this.compiled = compiled;
    this.counters = { received: 0, sent: new Array<number>(compiled.ports.length).fill(0), dropped: 0, errors: 0, rejected: 0, deadLetters: 0 };
  }

  get compiled(): CompiledNode {
    return this.spec;
  }

  set compiled(compiled: CompiledNode) {
    this.spec = compiled;
    this.queueSize = compiled.queue.size;
    this.blocking = compiled.queue.policy === "block";
    this.concurrencyLimit = compiled.queue.concurrency ?? compiled.definition.concurrency ?? DEFAULT_CONCURRENCY;
    this.disabled = compiled.disabled;
  }

  /** What the node's definition created (null while it is not running). */
  get behaviour(): NodeBehaviour | null {
    return this.current;
  }

  set behaviour(behaviour: NodeBehaviour | null) {
    this.current = behaviour;
    const transform = behaviour?.transform;
    const input = behaviour?.input;
    this.transformer = transform ?? null;
    // Frozen messages take the full path (`toPort` freezes what a node sends).
    this.keepsId = transform !== undefined && behaviour?.transformKeepsId === true && !this.freeze;
    this.handler = !transform && input ? input.bind(behaviour) : null;
  }

  get id(): string {
    return this.compiled.id;
  }

  get key(): string {
    return `${this.flowId}/${this.compiled.id}`;
  }

  /** A redeploy is about to close this node to start it anew: keep what arrives meanwhile queued. */
  pauseForRestart(): void {
    this.restarting = true;
  }

  /** The restarted node runs (or failed to start): what queued up meanwhile goes on. */
  resume(): void {
    this.restarting = false;
    if (this.queue.length > 0 && !this.scheduled) this.scheduler.schedule(this);
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

  /** Messages this node sent that wait for room downstream. */
  get held(): number {
    return this.outbox.length;
  }

  /** Resolves when everything this node sent so far was accepted by its targets. */
  whenSent(): Promise<void> {
    if (this.outbox.length === 0) return SENT;
    if (this.sentWaiter === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.sentWaiter = { promise, resolve };
    }
    return this.sentWaiter.promise;
  }

  /**
   * Whether this node's queue takes a message from `sender` now. A full
   * `block` queue says no, and the sender is held instead; except when this
   * node's output comes back to the sender (a loop in the flow): holding it
   * would leave both waiting on each other, so the queue grows past its size.
   */
  private hasRoomFor(sender: RuntimeNode): boolean {
    if (this.queue.length < this.queueSize || !this.blocking) return true;
    if (this.host.reaches(this, sender)) return true;
    this.markFull();
    return false;
  }

  private markFull(): void {
    if (this.full) return;
    this.full = true;
    this.host.queueFull(this);
  }

  /** A message arriving on this node's input. */
  accept(msg: Message, tracker: Tracker | null): void {
    // The rare branches live in methods of their own: the delivery path stays small to run and to optimize.
    if (this.queue.length >= this.queueSize && !this.overSize(tracker)) return;
    if (tracker !== null) tracker.retain();
    // Fast path: nothing waits before this message and the node is idle, so handing it over now keeps
    // the per-wire order; the depth limit keeps long or looping chains off the stack.
    if (
      this.queue.length === 0 &&
      !this.busy &&
      !this.restarting &&
      this.outbox.length === 0 &&
      directDepth < MAX_DIRECT_DEPTH &&
      this.inFlight < this.concurrencyLimit
    ) {
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
    this.enqueue(msg, tracker);
  }

  /** Queued behind what waits already: the scheduler drains it in order. Apart from `accept`, to keep that small. */
  private enqueue(msg: Message, tracker: Tracker | null): void {
    this.queue.push(msg, tracker);
    if (!this.scheduled) this.scheduler.schedule(this);
  }

  /** A message arrives at a full queue: the policy decides. False when it was dropped. */
  private overSize(tracker: Tracker | null): boolean {
    const policy = this.spec.queue.policy;
    if (policy === "drop-oldest") {
      this.dropHead();
    } else if (policy === "drop-newest") {
      this.counters.dropped += 1;
      tracker?.fail(QUEUE_FULL);
      this.host.messageDropped(this);
      return false;
    } else {
      // `block` never drops. Senders in the flow are held before they get here (`hasRoomFor`); what still
      // arrives over the size comes around a loop or from outside any node (catch/status events, the admin API).
      this.markFull();
    }
    return true;
  }

  drain(max: number): number {
    let handled = 0;
    const limit = this.concurrencyLimit;
    this.busy = true;
    // Timed per drain, not per message: the stall watchdog names the node that held the loop.
    const began = performance.now();
    try {
      // A held node takes no more input until its outbox is accepted: its memory stays bounded.
      while (handled < max && this.queue.length > 0 && this.inFlight < limit && this.outbox.length === 0 && !this.restarting) {
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
    if (this.full && this.queue.length <= this.queueSize / 2) {
      this.full = false;
      this.host.queueRelieved(this);
    }
    if (this.heldSenders.size > 0 && this.queue.length < this.queueSize) this.wakeHeldSenders();
    return handled;
  }

  /** Lets senders held on this node's queue move what they hold into the room it has now. */
  private wakeHeldSenders(): void {
    const senders = [...this.heldSenders];
    this.heldSenders.clear();
    for (const sender of senders) sender.flushOutbox();
  }

  /** Hands held messages to their targets, in order, until one has no room (it wakes this node later). */
  private flushOutbox(): void {
    for (let item = this.outbox.peek(); item !== undefined; item = this.outbox.peek()) {
      const target = item.target;
      if (target.retired) {
        this.counters.dropped += 1;
        item.tracker?.fail(NOT_RUNNING);
      } else if (!target.hasRoomFor(this)) {
        target.heldSenders.add(this);
        return;
      } else {
        this.outbox.shift();
        target.accept(item.msg, item.tracker);
        item.tracker?.release();
        continue;
      }
      this.outbox.shift();
      item.tracker?.release();
    }
    this.released();
  }

  /** The outbox is empty: waiters on `whenSent` go on, and so does the node's own input. */
  private released(): void {
    const waiter = this.sentWaiter;
    this.sentWaiter = null;
    waiter?.resolve();
    if (this.queue.length > 0 && !this.scheduled) this.scheduler.schedule(this);
  }

  private hold(target: RuntimeNode, msg: Message, tracker: Tracker | null): void {
    // The message is not accepted yet: its tracker must not complete meanwhile.
    if (tracker !== null) tracker.retain();
    if (this.outbox.length === 0) target.heldSenders.add(this);
    this.outbox.push({ target, msg, tracker });
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

  /** Fails every queued and held message (the node is being removed). */
  discardQueue(): number {
    this.retired = true;
    const n = this.queue.drainAll((t) => {
      if (t) {
        t.fail(NOT_RUNNING);
        t.release();
      }
    });
    let held = 0;
    for (let item = this.outbox.peek(); item !== undefined; item = this.outbox.peek()) {
      this.outbox.shift();
      held += 1;
      if (item.tracker) {
        item.tracker.fail(NOT_RUNNING);
        item.tracker.release();
      }
    }
    this.released();
    this.counters.dropped += n + held;
    if (this.full) {
      this.full = false;
      this.host.queueRelieved(this);
    }
    // Senders held on this node drop what they hold for it and go on.
    this.wakeHeldSenders();
    return n + held;
  }

  fail(err: unknown, msg: Message | undefined, tracker: Tracker | null): void {
    this.counters.errors += 1;
    tracker?.fail(err instanceof Error ? err : new Error(String(err)));
    this.host.reportError(this, err, msg);
  }

  /**
   * Hands one message to the node's code. A synchronous node (`transform`) is handled right here: what it
   * returns is sent and the input is done when it returns, so no send or done function is made per message
   * (same order as `input`: sends take their holds first). Every message passes here once per node, so the
   * handler bookkeeping is written out inline: each call saved per hop counts while the code still runs
   * unoptimized, a good part of a short burst.
   */
  private deliver(msg: Message, tracker: Tracker | null): void {
    this.counters.received += 1;
    const transform = this.transformer;
    if (transform === null || this.disabled) {
      this.deliverToHandler(msg, tracker);
      return;
    }
    // enterHandler/leaveHandler, inline.
    const outer = running.current;
    running.current = this;
    running.entered += 1;
    if (this.statusWatched) this.handling = msg;
    try {
      const out = transform.call(this.current, msg);
      // One message (the usual result) goes straight to port 0, without an id check when the node keeps ids.
      if (out !== null && typeof out === "object" && !Array.isArray(out)) {
        if (this.keepsId) this.route(0, out as Message, tracker);
        else this.toPort(0, out as Message, tracker);
      } else if (out !== null && out !== undefined) this.emit(out, tracker); // null: nothing sent (a sink), no call
    } catch (err) {
      this.transformFailed(err, msg, tracker, outer);
      return;
    }
    this.handling = undefined;
    running.current = outer;
    if (this.completeWatched) this.host.messageCompleted(this, msg);
    if (tracker !== null) tracker.release();
  }

  /** The transform threw (or what it sent did): leave the handler, then the message failed. Apart from `deliver`, to keep that small. */
  private transformFailed(err: unknown, msg: Message, tracker: Tracker | null, outer: HandlerOwner | null): void {
    this.handling = undefined;
    running.current = outer;
    this.fail(err, msg, tracker);
    if (tracker !== null) tracker.release();
  }

  /** A node with an `input` handler: it sends and says it is done through functions, maybe later. */
  private deliverToHandler(msg: Message, tracker: Tracker | null): void {
    const input = this.handler;
    if (input === null || this.disabled) {
      if (tracker) {
        if (!this.current) tracker.fail(NOT_RUNNING);
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
      else if (this.completeWatched) this.host.messageCompleted(this, msg);
      tracker?.release();
    };
    const outer = enterHandler(this, this.statusWatched ? msg : undefined);
    try {
      const result = input(msg, send, done);
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
    this.emitPorts(out, tracker);
  }

  /** An array of outputs, one item per port (an item may be an array of messages). Apart from `emit`, so `emit` stays small enough to inline into a source's send loop. */
  private emitPorts(out: readonly unknown[], tracker: Tracker | null): void {
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
    if (typeof msg !== "object" || typeof msg._msgid !== "string" || this.freeze) {
      const ready = this.prepare(port, msg, tracker);
      if (ready === null) return;
      msg = ready;
    }
    this.route(port, msg, tracker);
  }

  /** Hands a message that is ready (an object with an id, frozen when asked) to the targets of `port`. */
  private route(port: number, msg: Message, tracker: Tracker | null): void {
    const sent = this.counters.sent;
    if (port < sent.length) sent[port]! += 1;
    const targets = this.outputs[port];
    if (targets === undefined) return;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i]!;
      // Once anything is held, later sends queue behind it, to every target: the order per wire is kept.
      // (Room in the target's queue is checked here first: the usual answer without a call.)
      if (this.outbox.length === 0 && (target.queue.length < target.queueSize || target.hasRoomFor(this))) target.accept(msg, tracker);
      else this.hold(target, msg, tracker);
    }
  }

  /** What a sent value needs before delivery: refused when not an object, an id when it has none, frozen when asked. */
  private prepare(port: number, msg: Message, tracker: Tracker | null): Message | null {
    if (typeof msg !== "object") {
      this.fail(new TypeError(`sent a ${typeof msg} on output ${port}; messages are objects`), undefined, tracker);
      return null;
    }
    const ready = typeof msg._msgid !== "string" ? createMessage(msg) : msg;
    if (this.freeze) deepFreeze(ready);
    return ready;
  }
}
