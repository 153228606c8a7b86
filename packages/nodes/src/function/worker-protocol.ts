import type { MessagePort } from "node:worker_threads";
import type { Message, NodeStatus, Output } from "@wattflow/runtime";

/**
 * What crosses between a function node and the worker thread that runs its
 * code (`isolation: "worker"`). Everything is copied by structured clone.
 *
 * Context reads (`get`, `keys`) and `env` must stay synchronous for the
 * user's code, so the worker posts the question and sleeps on a shared
 * int32 until the runtime has put the answer on a second port; writes are
 * posted and not waited for (one port keeps them in order with the reads).
 */

/** Slots of the shared int32 array. The worker's source keeps its own copy of these numbers (it cannot import). */
export const SLOT = {
  /** 0 while the worker waits for an answer, 1 once it was posted on the reply port. */
  reply: 0,
  /** Bumped by the worker on a timer and on every message: unchanged for long means it is stuck. */
  beat: 1,
  /** 1 while the worker waits for an answer (it is not stuck, the runtime is just busy). */
  inCall: 2,
} as const;
export const SHARED_SLOTS = 3;

export type ContextScope = "node" | "flow" | "global";

export interface WorkerData {
  code: string;
  /** `flow/node`, for errors. */
  where: string;
  id: string;
  name: string | undefined;
  /** Deep-freeze each message as the engine does in development and tests. */
  freeze: boolean;
  heartbeatMs: number;
  shared: SharedArrayBuffer;
  replyPort: MessagePort;
}

/** An error as it crosses: enough to rebuild one with the same name, message, code and stack. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export type ToWorker = { t: "run"; id: number; msg: Message } | { t: "sent"; sendId: number };

export type SyncQuestion =
  | { t: "call"; op: "get"; scope: ContextScope; key: string }
  | { t: "call"; op: "keys"; scope: ContextScope }
  | { t: "call"; op: "env"; name: string };

export type FromWorker =
  | { t: "ready" }
  | { t: "done"; id: number; out: Output }
  | { t: "fail"; id: number; error: WireError }
  | { t: "send"; sendId: number; out: Output }
  | { t: "status"; status: NodeStatus | string }
  | { t: "log"; level: "info" | "warn"; value: unknown }
  | { t: "set"; scope: ContextScope; key: string; value: unknown }
  | { t: "delete"; scope: ContextScope; key: string }
  | SyncQuestion;

export type SyncAnswer = { ok: true; value: unknown } | { ok: false; error: string };
