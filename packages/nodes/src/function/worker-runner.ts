import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import type { Message, NodeContext, NodeStatus, NodeTimers, Output, TimerHandle } from "@wattflow/runtime";
import { WORKER_SOURCE } from "./worker-body.js";
import { SHARED_SLOTS, SLOT, type ContextScope, type FromWorker, type SyncAnswer, type SyncQuestion, type ToWorker, type WireError, type WorkerData } from "./worker-protocol.js";

/** What the runner needs from its function node. */
export interface WorkerHost {
  readonly id: string;
  readonly name: string | undefined;
  /** `flow/node` */
  readonly where: string;
  readonly code: string;
  /** The worker's heap limit (V8's old generation). */
  readonly memoryMb: number;
  /** How long the worker may go without yielding to its event loop before it is stopped; 0: never. */
  readonly stuckAfterMs: number;
  /** What to name in the error of a stuck worker: the config field and its value. */
  readonly stuckLimitText: string;
  readonly freeze: boolean;
  readonly timers: NodeTimers;
  context(scope: ContextScope): NodeContext;
  env(name: string): string | undefined;
  status(status: NodeStatus | string): void;
  log(level: "info" | "warn", value: unknown): void;
  send(out: Output): Promise<void>;
  /** The worker stopped (stuck, out of memory, an error outside any message); `failed` messages were in it. */
  stopped(stop: WorkerStop, failed: number): void;
  /** A message's result came after the message had been given up (`cancel`). */
  lateResult(): void;
}

/** Why a worker stopped: `reason` is the sentence messages fail with, `short` a few words for the node's status. */
export interface WorkerStop {
  reason: string;
  short: string;
}

/** Called once per message with its error or its output. */
export type Settle = (err: unknown, out?: unknown) => void;

export class WorkerCodeError extends Error {
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    if (wire.stack !== undefined) this.stack = wire.stack;
    if (wire.code !== undefined) (this as { code?: string }).code = wire.code;
  }
}

/** One started worker and what is in it. */
interface Running {
  readonly worker: Worker;
  readonly shared: Int32Array;
  readonly replyPort: MessagePort;
  readonly inFlight: Map<number, Settle>;
  ready: boolean;
  /** What goes to the worker, sent as one batch once the current turn's work is done. */
  outbox: ToWorker[];
  /** Why it is being stopped, when the runner stops it. */
  stopReason: WorkerStop | undefined;
  lastBeat: number;
  lastBeatAt: number;
}

/**
 * Runs a function node's code in a worker thread: the code can loop forever,
 * allocate without end or throw outside its promise, and the runtime's event
 * loop does not notice. A worker that stops (stuck past its limit, out of
 * memory, crashed) fails every message that was in it with the reason, and
 * a new worker takes the next message.
 */
export class WorkerRunner {
  private current: Running | undefined;
  private nextId = 0;
  private closed = false;
  private readonly watchdog: TimerHandle | undefined;
  /** How often the worker beats and the watchdog looks. */
  private readonly heartbeatMs: number;

  constructor(private readonly host: WorkerHost) {
    this.heartbeatMs = host.stuckAfterMs > 0 ? Math.min(250, Math.max(5, Math.floor(host.stuckAfterMs / 4))) : 1000;
    if (host.stuckAfterMs > 0) this.watchdog = host.timers.setInterval(() => this.checkStuck(), this.heartbeatMs);
    this.current = this.start();
  }

  /** Hands `msg` to the worker; returns a function that gives the message up (its late result is dropped). */
  run(msg: Message, settle: Settle): () => void {
    if (this.closed) {
      settle(new Error(`${this.host.where}: the node has stopped`));
      return () => undefined;
    }
    const running = this.current ?? (this.current = this.start());
    const id = ++this.nextId;
    running.inFlight.set(id, settle);
    this.post(running, { t: "run", id, msg });
    return () => running.inFlight.delete(id);
  }

  private post(running: Running, m: ToWorker): void {
    if (running.outbox.length === 0) queueMicrotask(() => this.flush(running));
    running.outbox.push(m);
  }

  /** One postMessage for what a turn of the event loop sent; a batch that cannot be copied goes item by item. */
  private flush(running: Running): void {
    const batch = running.outbox;
    running.outbox = [];
    if (batch.length === 0 || running.stopReason !== undefined) return;
    try {
      running.worker.postMessage(batch);
    } catch {
      for (const item of batch) {
        try {
          running.worker.postMessage([item]);
        } catch (err) {
          if (item.t !== "run") continue;
          const settle = running.inFlight.get(item.id);
          running.inFlight.delete(item.id);
          const why = err instanceof Error ? err.message : String(err);
          settle?.(new Error(`${this.host.where}: the message cannot be copied into the worker (${why}); isolated code takes plain data`));
        }
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchdog?.cancel();
    const running = this.current;
    this.current = undefined;
    if (!running) return;
    running.stopReason = { reason: "its node stopped", short: "stopped" };
    await running.worker.terminate();
  }

  private start(): Running {
    const shared = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * Int32Array.BYTES_PER_ELEMENT));
    const { port1: replyPort, port2: workerReplyPort } = new MessageChannel();
    const data: WorkerData = {
      code: this.host.code,
      where: this.host.where,
      id: this.host.id,
      name: this.host.name,
      freeze: this.host.freeze,
      heartbeatMs: this.heartbeatMs,
      shared: shared.buffer as SharedArrayBuffer,
      replyPort: workerReplyPort,
    };
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      name: `wattflow function ${this.host.where}`,
      workerData: data,
      transferList: [workerReplyPort],
      resourceLimits: { maxOldGenerationSizeMb: this.host.memoryMb },
    });
    // A worker must not keep a stopping runtime alive; close() ends it in any case.
    worker.unref();
    const running: Running = { worker, shared, replyPort, inFlight: new Map(), outbox: [], ready: false, stopReason: undefined, lastBeat: 0, lastBeatAt: Date.now() };
    worker.on("message", (batch: FromWorker[]) => {
      for (const m of batch) this.onMessage(running, m);
    });
    worker.on("error", (err: Error) => {
      running.stopReason ??= describeCrash(err, this.host.memoryMb);
    });
    worker.on("exit", (code) => this.onExit(running, code));
    return running;
  }

  private onMessage(running: Running, m: FromWorker): void {
    // A stopping node takes only its messages' results from a worker that is being stopped.
    if (this.closed && m.t !== "done" && m.t !== "fail") return;
    switch (m.t) {
      case "ready":
        running.ready = true;
        return;
      case "done":
      case "fail": {
        const settle = running.inFlight.get(m.id);
        if (!settle) return this.host.lateResult();
        running.inFlight.delete(m.id);
        if (m.t === "fail") settle(new WorkerCodeError(m.error));
        else settle(undefined, m.out === null || m.out === undefined ? m.out : withBuffers(m.out));
        return;
      }
      case "send":
        void this.host.send(withBuffers(m.out)).then(
          () => this.acknowledgeSend(running, m.sendId),
          () => this.acknowledgeSend(running, m.sendId),
        );
        return;
      case "status":
        this.host.status(m.status);
        return;
      case "log":
        this.host.log(m.level, m.value);
        return;
      case "set":
        this.host.context(m.scope).set(m.key, m.value);
        return;
      case "delete":
        this.host.context(m.scope).delete(m.key);
        return;
      case "call":
        this.answer(running, m);
        return;
    }
  }

  private acknowledgeSend(running: Running, sendId: number): void {
    if (this.current === running) this.post(running, { t: "sent", sendId });
  }

  /** Answers a synchronous question: the answer first on the reply port, then wake the worker. */
  private answer(running: Running, q: SyncQuestion): void {
    let answer: SyncAnswer;
    try {
      const value = q.op === "env" ? this.host.env(q.name) : q.op === "keys" ? this.host.context(q.scope).keys() : this.host.context(q.scope).get(q.key);
      answer = { ok: true, value };
    } catch (err) {
      answer = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    try {
      running.replyPort.postMessage(answer);
    } catch (err) {
      running.replyPort.postMessage({ ok: false, error: `the value cannot be copied into the worker (${err instanceof Error ? err.message : String(err)})` } satisfies SyncAnswer);
    }
    Atomics.store(running.shared, SLOT.reply, 1);
    Atomics.notify(running.shared, SLOT.reply);
  }

  private checkStuck(): void {
    const running = this.current;
    if (!running || running.stopReason !== undefined) return;
    const now = Date.now();
    const beat = Atomics.load(running.shared, SLOT.beat);
    // Waiting for the runtime to answer a context read is not being stuck.
    if (beat !== running.lastBeat || Atomics.load(running.shared, SLOT.inCall) === 1 || !running.ready) {
      running.lastBeat = beat;
      running.lastBeatAt = now;
      return;
    }
    if (now - running.lastBeatAt < this.host.stuckAfterMs) return;
    running.stopReason = { reason: `the code ran longer than its ${this.host.stuckLimitText} without yielding, so its worker was stopped`, short: "ran too long" };
    // Messages from now on go to a new worker, not to the one being stopped.
    this.current = undefined;
    void running.worker.terminate();
  }

  private onExit(running: Running, code: number): void {
    running.replyPort.close();
    if (this.current === running) this.current = undefined;
    const stop = running.stopReason ?? { reason: `its worker exited (code ${code})`, short: `exited (${code})` };
    const failed = running.inFlight.size;
    const settles = [...running.inFlight.values()];
    running.inFlight.clear();
    for (const settle of settles) settle(new Error(`${stop.reason}; the message was in it`));
    if (this.closed) return;
    this.host.stopped(stop, failed);
    // Ready for the next message at once; a worker that died before it was ready is started again by that message.
    if (running.ready && this.current === undefined) this.current = this.start();
  }
}

function describeCrash(err: Error, memoryMb: number): WorkerStop {
  const code = (err as { code?: unknown }).code;
  if (code === "ERR_WORKER_OUT_OF_MEMORY") return { reason: `the code ran out of its ${memoryMb} MB of memory (config "memoryMb"), so its worker was stopped`, short: "out of memory" };
  return { reason: `the code threw outside any message (${err.message}), which stopped its worker`, short: "threw outside a message" };
}

/** Buffers cross as Uint8Arrays: a message's payload is made a Buffer again (no copy), as the code sent it. */
function withBuffers(out: Output): Output {
  if (out === null || out === undefined) return out;
  if (!Array.isArray(out)) return fixPayload(out as Message);
  return (out as ReadonlyArray<Message | readonly Message[] | null | undefined>).map((item) =>
    item === null || item === undefined ? item : Array.isArray(item) ? (item as readonly Message[]).map(fixPayload) : fixPayload(item as Message),
  );
}

function fixPayload(msg: Message): Message {
  const p = msg?.payload;
  if (p instanceof Uint8Array && !Buffer.isBuffer(p)) return { ...msg, payload: Buffer.from(p.buffer, p.byteOffset, p.byteLength) };
  return msg;
}
