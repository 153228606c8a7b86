import { randomUUID } from "node:crypto";
import { defineNode, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { awaitReturn, forgetCall, withReturnAddress } from "./calls.js";

export default defineNode({
  type: "link-call",
  category: "common",
  summary: "Calls a link-in (in this flow or another) like a function: sends the message there and emits what a link-out in return mode sends back.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    target: Type.String({ minLength: 1, description: "the link-in to call: its id, or flow/node for another flow" }),
    timeout: Type.String({ pattern: DURATION_PATTERN, default: "30s", description: "no return within this time fails the message" }),
  }),
  inputs: 1,
  outputs: ["return"],
  // Output 1, after the declared one, is the undrawn wire to the target.
  virtualWires: (c) => [c.target],
  create(node, c) {
    const timeoutMs = parseDuration(c.timeout);
    const open = new Map<string, () => void>();
    return {
      input(msg: Message, send, done) {
        const callId = randomUUID();
        const timer = node.timers.setTimeout(() => {
          forgetCall(callId);
          open.delete(callId);
          done(new Error(`no return from ${c.target} within ${c.timeout} (config "timeout")`));
        }, timeoutMs);
        const finish = (): void => {
          timer.cancel();
          forgetCall(callId);
          open.delete(callId);
        };
        open.set(callId, () => {
          finish();
          done(new Error(`link-call stopped before ${c.target} returned`));
        });
        awaitReturn(callId, (returned) => {
          finish();
          send(returned);
          done();
        });
        send([null, withReturnAddress(msg, callId)]);
      },
      close() {
        for (const cancel of [...open.values()]) cancel();
      },
    };
  },
});
