import type { Message } from "./message.js";

/**
 * Errors raised while handling an error message (catch → X → X throws →
 * catch …), and status changes made while handling a status message
 * (status → X sets status → status …), can feed themselves forever. Each
 * such message carries the chain of nodes (`flow/node`) that raised it; past
 * `MAX_CHAIN` links the engine stops routing it.
 */
export const MAX_CHAIN = 10;

function isChain(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/**
 * The chain an error or status message raised while handling `msg` continues:
 * the chain `msg` carries in `msg[field].chain`, or its source alone for the
 * first link. Empty when `msg` is no error / status message.
 */
export function chainBefore(msg: Message | undefined, field: "error" | "status", flowId: string): string[] {
  const report: unknown = msg?.[field];
  if (report === null || typeof report !== "object") return [];
  const { chain, source } = report as { chain?: unknown; source?: unknown };
  if (isChain(chain)) return chain;
  const id = source !== null && typeof source === "object" ? (source as { id?: unknown }).id : undefined;
  return typeof id === "string" ? [`${flowId}/${id}`] : [];
}

/** "a → b → a → …" with long chains cut in the middle (the loop repeats anyway). */
export function describeChain(chain: readonly string[]): string {
  const shown = chain.length <= 6 ? chain : [...chain.slice(0, 3), "…", ...chain.slice(-2)];
  return shown.join(" → ");
}

/**
 * Logs a stopped loop once per minute per chain shape, counting the ones it
 * kept quiet, so a loop fed by a steady source cannot flood the log.
 */
export class LoopReports {
  private readonly last = new Map<string, { at: number; quiet: number }>();

  /** How many stopped loops of this shape went unlogged since the last line, or -1 to stay quiet now. */
  shouldLog(shape: string, now = Date.now()): number {
    const seen = this.last.get(shape);
    if (seen && now - seen.at < 60_000) {
      seen.quiet += 1;
      return -1;
    }
    this.last.set(shape, { at: now, quiet: 0 });
    if (this.last.size > 100) this.last.delete(this.last.keys().next().value!);
    return seen?.quiet ?? 0;
  }
}
