import type { Channel } from "./channel.js";

/**
 * Some things exist once per process, not per thread: a listening port (the
 * embedded MQTT broker). The main thread offers them by name
 * (`offerToIsolatedFlows`, called when the module that can acquire one
 * loads); code in an isolated flow's worker asks for one with
 * `acquireInMainThread`, and the main thread acquires it and holds it for
 * that worker until it releases it or stops. Both live on globalThis, so
 * every copy of this module in a thread (a bundle, a plugin's own
 * dependency) finds the same ones.
 */
const CHANNEL = Symbol.for("wattflow.isolated-flow.main-thread");
const OFFERS = Symbol.for("wattflow.isolated-flow.offers");

/** Acquires a process-wide thing; what it resolves to has `release()` and plain fields (copied to the worker). */
export type Acquire = (...args: never[]) => Promise<{ release(): Promise<void> }>;

interface MainThread {
  acquire(name: string, args: unknown[]): Promise<{ id: number; fields: Record<string, unknown> }>;
  release(id: number): Promise<void>;
}

const slots = globalThis as Record<symbol, unknown>;

function offers(): Map<string, Acquire> {
  let map = slots[OFFERS] as Map<string, Acquire> | undefined;
  if (!map) slots[OFFERS] = map = new Map();
  return map;
}

/** Lets isolated flows' workers acquire `name` through this (main) thread. Harmless in a worker (nobody asks it there). */
export function offerToIsolatedFlows(name: string, acquire: Acquire): void {
  offers().set(name, acquire);
}

/** The main thread's side: what was offered as `name`. */
export function offered(name: string): Acquire | undefined {
  return offers().get(name);
}

export function installMainThread(channel: Channel): void {
  const mainThread: MainThread = {
    acquire: (name, args) => channel.call("acquire", name, args),
    release: (id) => channel.call("releaseShared", id),
  };
  slots[CHANNEL] = mainThread;
}

/**
 * In an isolated flow's worker: acquires what the main thread offers as
 * `name` with these arguments, held there for this worker, and resolves to
 * its plain fields plus `release`. Anywhere else: null (acquire it here).
 */
export function acquireInMainThread<T extends { release(): Promise<void> }>(name: string, args: unknown[]): Promise<T> | null {
  const mainThread = slots[CHANNEL] as MainThread | undefined;
  if (!mainThread) return null;
  return mainThread.acquire(name, args).then(({ id, fields }) => {
    let released = false;
    return {
      ...fields,
      release: async () => {
        if (released) return;
        released = true;
        await mainThread.release(id);
      },
    } as unknown as T;
  });
}
