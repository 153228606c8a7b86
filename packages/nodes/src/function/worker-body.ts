import type { Message, NodeStatus, Output } from "@wattflow/runtime";
import type { ContextScope, FromWorker, SyncAnswer, SyncQuestion, ToWorker, WireError, WorkerData } from "./worker-protocol.js";

/**
 * The program of a function node's worker thread. It is started from its
 * source text (`WORKER_SOURCE`), so it runs the same from the TypeScript
 * sources under test and from the built package, and it must use nothing
 * from outside its own body but Node's built-in modules (imports here are
 * types only).
 */
function functionWorker(load: NodeJS.Require): void {
  // `require` comes in as an argument: a bundler rewrites a free `require` call, and the rewritten name does not exist in the worker.
  const { parentPort, workerData, receiveMessageOnPort } = load("node:worker_threads") as typeof import("node:worker_threads");
  const data = workerData as WorkerData;
  const port = parentPort!;
  const shared = new Int32Array(data.shared);
  // The slots of worker-protocol.ts's SLOT.
  const REPLY = 0;
  const BEAT = 1;
  const IN_CALL = 2;
  /** How long a context read may wait for the runtime before the code gets an error instead. */
  const CALL_WAIT_MS = 60_000;

  /**
   * What the worker says goes out in one batch per turn of its event loop: one postMessage per message each way
   * would cost more than most code. A batch that cannot be copied is sent again item by item, and the items that
   * cannot be copied are answered for: a result fails its message, a send rejects, anything else is logged.
   */
  let outbox: FromWorker[] = [];
  const flush = (): void => {
    const batch = outbox;
    outbox = [];
    if (batch.length === 0) return;
    try {
      port.postMessage(batch);
    } catch {
      for (const item of batch) postAlone(item);
    }
  };
  const post = (m: FromWorker): void => {
    if (outbox.length === 0) setImmediate(flush);
    outbox.push(m);
  };
  function postAlone(item: FromWorker): void {
    try {
      port.postMessage([item]);
    } catch (err) {
      const why = `cannot leave its worker (${err instanceof Error ? err.message : String(err)}); send plain data`;
      if (item.t === "done") port.postMessage([{ t: "fail", id: item.id, error: { name: "DataCloneError", message: `the code returned a value that ${why}` } }]);
      else if (item.t === "send") {
        sendsWaiting.get(item.sendId)?.reject(new Error(`${data.where}: node.send got a message that ${why}`));
        sendsWaiting.delete(item.sendId);
      } else port.postMessage([{ t: "log", level: "warn", value: `${data.where}: a ${item.t} ${why}` }]);
    }
  }

  type UserFunction = (msg: Message, node: object, context: object, env: (name: string) => unknown, flow: object, global: object) => Promise<unknown>;
  const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as new (...args: string[]) => UserFunction;
  // The runtime compiled the same text before starting the worker, so a syntax error never gets here.
  const run = new AsyncFunction("msg", "node", "context", "env", "flow", "global", `"use strict";\n${data.code}`);

  function ask(question: SyncQuestion): unknown {
    Atomics.store(shared, REPLY, 0);
    Atomics.store(shared, IN_CALL, 1);
    try {
      // Writes posted before this read must reach the runtime first.
      flush();
      port.postMessage([question]);
      if (Atomics.wait(shared, REPLY, 0, CALL_WAIT_MS) === "timed-out") {
        throw new Error(`${data.where}: the runtime did not answer a ${question.op} within ${CALL_WAIT_MS / 1000} s`);
      }
    } finally {
      Atomics.store(shared, IN_CALL, 0);
    }
    const answer = receiveMessageOnPort(data.replyPort)?.message as SyncAnswer | undefined;
    if (answer === undefined) throw new Error(`${data.where}: the answer to a ${question.op} got lost`);
    if (!answer.ok) throw new Error(answer.error);
    return answer.value;
  }

  const contextOf = (scope: ContextScope) => ({
    get: (key: string): unknown => ask({ t: "call", op: "get", scope, key: String(key) }),
    set: (key: string, value: unknown): void => post({ t: "set", scope, key: String(key), value }),
    delete: (key: string): void => post({ t: "delete", scope, key: String(key) }),
    keys: (): unknown => ask({ t: "call", op: "keys", scope }),
  });
  const env = (name: string): unknown => ask({ t: "call", op: "env", name: String(name) });

  /** A value that cannot be copied (a function, a socket) is logged as its text rather than failing the code. */
  const loggable = (value: unknown): unknown => {
    try {
      return structuredClone(value);
    } catch {
      return String(value);
    }
  };

  const idPrefix = `w${Math.floor(Math.random() * 0xffffffff).toString(36)}.`;
  let idCounter = 0;
  let sendCounter = 0;
  const sendsWaiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  const node = {
    id: data.id,
    name: data.name,
    log: (value: unknown): void => post({ t: "log", level: "info", value: loggable(value) }),
    warn: (value: unknown): void => post({ t: "log", level: "warn", value: loggable(value) }),
    status: (status: NodeStatus | string): void => post({ t: "status", status }),
    send: (out: Output): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const sendId = ++sendCounter;
        sendsWaiting.set(sendId, { resolve, reject });
        post({ t: "send", sendId, out });
      }),
    newMessage: (init: Record<string, unknown>): Message =>
      (typeof init._msgid === "string" ? init : { ...init, _msgid: idPrefix + (++idCounter).toString(36) }) as Message,
  };

  function deepFreeze(value: unknown): void {
    const pending: unknown[] = [value];
    while (pending.length > 0) {
      const v = pending.pop();
      if (v === null || typeof v !== "object" || Object.isFrozen(v) || ArrayBuffer.isView(v)) continue;
      Object.freeze(v);
      for (const child of Object.values(v)) pending.push(child);
    }
  }

  /** A Buffer payload crosses as a Uint8Array; make it a Buffer again (no copy). */
  function withBuffer(msg: Message): Message {
    const p = msg.payload;
    if (p instanceof Uint8Array && !Buffer.isBuffer(p)) return { ...msg, payload: Buffer.from(p.buffer, p.byteOffset, p.byteLength) };
    return msg;
  }

  function wireError(err: unknown): WireError {
    if (err instanceof Error) {
      const code = (err as { code?: unknown }).code;
      return { name: err.name, message: err.message, stack: err.stack, ...(typeof code === "string" ? { code } : {}) };
    }
    return { name: "Error", message: err === undefined ? "the code threw undefined" : String(err) };
  }

  function handle(m: ToWorker): void {
    if (m.t === "sent") {
      sendsWaiting.get(m.sendId)?.resolve();
      sendsWaiting.delete(m.sendId);
      return;
    }
    const msg = withBuffer(m.msg);
    if (data.freeze) deepFreeze(msg);
    let result: Promise<unknown>;
    try {
      result = run(msg, node, contexts.node, env, contexts.flow, contexts.global);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (out) => post({ t: "done", id: m.id, out: out as Output }),
      (err: unknown) => post({ t: "fail", id: m.id, error: wireError(err) }),
    );
  }

  const contexts = { node: contextOf("node"), flow: contextOf("flow"), global: contextOf("global") };
  port.on("message", (batch: ToWorker[]) => {
    Atomics.add(shared, BEAT, 1);
    for (const m of batch) handle(m);
  });
  setInterval(() => Atomics.add(shared, BEAT, 1), data.heartbeatMs);
  port.postMessage([{ t: "ready" }] satisfies FromWorker[]);
}

/** Evaluated by `new Worker(…, { eval: true })`. */
export const WORKER_SOURCE = `"use strict";\n(${functionWorker.toString()})(require);\n`;
