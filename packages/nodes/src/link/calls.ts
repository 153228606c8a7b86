import type { Message } from "@wattflow/runtime";

/**
 * Calls waiting for their return, process-wide, so a `link-out` in return
 * mode in any flow reaches the `link-call` that sent the message. The
 * message carries the way back in `_linkSource`: the ids of the calls it is
 * inside, innermost last (a called flow may call another).
 */
const waiting = new Map<string, (msg: Message) => void>();

export const RETURN_KEY = "_linkSource";

export function awaitReturn(callId: string, onReturn: (msg: Message) => void): void {
  waiting.set(callId, onReturn);
}

export function forgetCall(callId: string): void {
  waiting.delete(callId);
}

/** The message with one more call on its way back. */
export function withReturnAddress(msg: Message, callId: string): Message {
  const stack = Array.isArray(msg[RETURN_KEY]) ? (msg[RETURN_KEY] as string[]) : [];
  return { ...msg, [RETURN_KEY]: [...stack, callId] };
}

/**
 * Hands the message back to the call it is inside; false when it is inside
 * none, or that call is gone (it timed out, or its node stopped).
 */
export function returnToCaller(msg: Message): { ok: true } | { ok: false; reason: string } {
  const stack = Array.isArray(msg[RETURN_KEY]) ? (msg[RETURN_KEY] as string[]) : [];
  const callId = stack.at(-1);
  if (callId === undefined) return { ok: false, reason: "the message did not come from a link-call (no msg._linkSource)" };
  const onReturn = waiting.get(callId);
  if (!onReturn) return { ok: false, reason: "the link-call waiting for this message is gone (it timed out or stopped)" };
  waiting.delete(callId);
  const { [RETURN_KEY]: _omit, ...rest } = msg;
  onReturn((stack.length > 1 ? { ...rest, [RETURN_KEY]: stack.slice(0, -1) } : rest) as Message);
  return { ok: true };
}
