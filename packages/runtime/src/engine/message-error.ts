/**
 * Failures about the message itself, as opposed to the system handling it.
 *
 * A source that can have a failed message handed over again (an MQTT
 * persistent session, say) asks for it again only when the failure may pass:
 * a store that is down, a node removed by a redeploy. When the message itself
 * is the problem (it does not parse, an expression over it fails), handling
 * it again fails the same way, and asking for it again would hold back
 * everything behind it; such a message is parked at once instead.
 */
export class MessageError extends Error {
  /** Read by `isMessageError`, which must also recognise errors from another copy of this module. */
  readonly aboutTheMessage = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MessageError";
  }
}

/** Whether handling the same message again would fail the same way. */
export function isMessageError(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { aboutTheMessage?: unknown }).aboutTheMessage === true;
}
