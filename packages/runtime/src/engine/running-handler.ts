import { performance } from "node:perf_hooks";
import type { Message } from "./message.js";

/**
 * Which node's code runs right now, and which runs were long. Both are read
 * rarely (a node setting its status, the stall watchdog) but kept on every
 * delivery, so keeping them must cost next to nothing: entering a handler
 * swaps a variable, and the clock is read per batch of deliveries (a queue
 * drain, a function node's run), never per message.
 */
export interface HandlerOwner {
  /** `flow/node` */
  readonly key: string;
  /** The message its handler is on now (set while it runs synchronously, when the owner passes it to `enterHandler`). */
  handling: Message | undefined;
}

/** A run of a node's handlers that kept the event loop for at least `SLOW_HANDLER_MS`. */
export interface SlowHandler {
  key: string;
  /** performance.now() when it started and ended. */
  started: number;
  ended: number;
}

/** Shorter runs are not recorded; a stall is only reported past a larger threshold anyway. */
export const SLOW_HANDLER_MS = 200;
/** Slow runs older than this are forgotten (the watchdog looks several times a second). */
const KEEP_MS = 10_000;
const MAX_KEPT = 32;

/**
 * The handler running now and how many handlers were entered so far, in one object: the engine's delivery
 * path updates it in place and generated node code reads it, where a call per message to do either costs
 * more than the work itself before the code is optimized. Only the engine writes it.
 */
export const running: { current: HandlerOwner | null; entered: number } = { current: null, entered: 0 };
const slow: SlowHandler[] = [];

/**
 * `entered` counts the handlers entered so far; it only grows. Code that built a message can tell from it
 * that no other node's code ran since: only a node's handler can get hold of a message (it arrives there).
 * A field rather than a call, for generated per-message code outside the engine.
 */
export const handlerEntries: { readonly entered: number } = running;

/** Marks the start of `owner`'s handler on `msg`; returns the handler it runs inside, for `leaveHandler`. */
export function enterHandler(owner: HandlerOwner, msg: Message | undefined): HandlerOwner | null {
  running.entered += 1;
  const outer = running.current;
  owner.handling = msg;
  running.current = owner;
  return outer;
}

export function leaveHandler(owner: HandlerOwner, outer: HandlerOwner | null): void {
  owner.handling = undefined;
  running.current = outer;
}

/** How many times a handler was entered so far (`handlerEntries.entered`). */
export function handlersEntered(): number {
  return running.entered;
}

/** The handler running now; code stopped by a time limit skips its `finally` blocks, so its runner puts this back. */
export function currentHandler(): HandlerOwner | null {
  return running.current;
}

export function restoreHandler(outer: HandlerOwner | null): void {
  running.current = outer;
}

/** The message `owner` is handling synchronously right now, if its handler is the innermost one running. */
export function messageBeingHandledBy(owner: HandlerOwner): Message | undefined {
  const current = running.current;
  return current !== null && current.key === owner.key ? current.handling : undefined;
}

/** Notes a run of `owner`'s code (and what it called directly) that began at `started` (performance.now()). */
export function handlersRan(owner: HandlerOwner, started: number): void {
  const ended = performance.now();
  if (ended - started >= SLOW_HANDLER_MS) recordSlow({ key: owner.key, started, ended });
}

function recordSlow(entry: SlowHandler): void {
  // The innermost run ends first; one that encloses it (a queue drain that ran it) adds nothing.
  const last = slow[slow.length - 1];
  if (last && entry.started <= last.started && entry.ended >= last.ended) return;
  slow.push(entry);
  while (slow.length > MAX_KEPT || (slow.length > 0 && entry.ended - slow[0]!.ended > KEEP_MS)) slow.shift();
}

/** Slow runs that ended after `since` (performance.now() time), oldest first. */
export function slowHandlersSince(since: number): SlowHandler[] {
  return slow.filter((s) => s.ended > since);
}
