import type { HttpReply } from "@wattflow/runtime";

/**
 * Requests waiting for an `http-response` node, keyed by the opaque id an
 * `http-in` node puts on the message (`msg._reqid`). Messages are immutable
 * and shared, so they carry an id, not a response object.
 */
const pending = new Map<string, { resolve: (reply: HttpReply) => void; timer: NodeJS.Timeout }>();
let counter = 0;

export function awaitReply(timeoutMs: number): { id: string; reply: Promise<HttpReply> } {
  const id = `r${(++counter).toString(36)}.${Date.now().toString(36)}`;
  const reply = new Promise<HttpReply>((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve({ status: 504, body: { error: "timeout", message: `the flow did not answer within ${timeoutMs} ms` } });
    }, timeoutMs);
    pending.set(id, { resolve, timer });
  });
  return { id, reply };
}

/** Answers a waiting request; false when it already timed out or was answered. */
export function reply(id: string, answer: HttpReply): boolean {
  const entry = pending.get(id);
  if (!entry) return false;
  pending.delete(id);
  clearTimeout(entry.timer);
  entry.resolve(answer);
  return true;
}
