import { defineNode, Type, type Message, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { TopicMap } from "../shared/topics.js";
import { derive } from "../shared/parts.js";

const What = Type.Union([Type.Literal("message"), Type.Literal("latest"), Type.Literal("value"), Type.Literal("nothing")]);

/** One running trigger: between its first and its second send. */
interface Armed {
  first: Message;
  latest: Message;
  timer?: TimerHandle;
}

export default defineNode({
  type: "trigger",
  category: "function",
  summary: "Sends a message, waits, then sends a second one; further messages meanwhile are ignored, or extend the wait.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    first: Type.Union([Type.Literal("message"), Type.Literal("value"), Type.Literal("nothing")], {
      default: "value",
      description: "sent at once: the arriving message, a message with `firstValue` as payload, or nothing",
    }),
    firstValue: Type.Optional(Type.Unknown({ default: "1" })),
    wait: Type.String({ pattern: DURATION_PATTERN, default: "250ms", description: "then wait this long (0s: until reset)" }),
    extend: Type.Boolean({ default: false, description: "a message arriving while waiting starts the wait again" }),
    second: { ...What, default: "value", description: "sent after the wait: the first message, the latest one, a message with `secondValue` as payload, or nothing" } as typeof What,
    secondValue: Type.Optional(Type.Unknown({ default: "0" })),
    resetPayload: Type.Optional(Type.Unknown({ description: "a message with this payload resets (as msg.reset does)" })),
    perTopic: Type.Boolean({ default: false, description: "a separate trigger per msg.topic" }),
    maxTopics: Type.Integer({ minimum: 1, default: 10_000 }),
  }),
  inputs: 1,
  outputs: ["out"],
  create(node, c) {
    const waitMs = parseDuration(c.wait);
    const armed = new TopicMap<Armed>(c.maxTopics);
    const withPayload = (base: Message, payload: unknown): Message => node.newMessage(derive(base, { payload }));

    const fire = (topic: string, a: Armed): void => {
      armed.delete(topic);
      if (c.second === "nothing") return;
      const out = c.second === "message" ? a.first : c.second === "latest" ? a.latest : withPayload(a.latest, c.secondValue);
      // The input that armed it is long done: the second message goes out as a source send.
      void node.send(out);
    };
    const startWait = (topic: string, a: Armed): void => {
      a.timer?.cancel();
      if (waitMs > 0) a.timer = node.timers.setTimeout(() => fire(topic, a), waitMs);
    };

    return {
      input(msg, send, done) {
        const topic = c.perTopic && msg.topic !== undefined ? String(msg.topic) : "";
        const isReset = msg.reset !== undefined || (c.resetPayload !== undefined && msg.payload === c.resetPayload);
        if (isReset) {
          // Stops the wait without the second send; a reset with a topic stops only that topic's.
          if (c.perTopic && msg.topic !== undefined) {
            armed.get(topic)?.timer?.cancel();
            armed.delete(topic);
          } else {
            for (const t of allTopics()) {
              armed.get(t)?.timer?.cancel();
              armed.delete(t);
            }
          }
          return done();
        }
        const running = armed.get(topic);
        if (running) {
          running.latest = msg;
          if (c.extend) startWait(topic, running);
          return done();
        }
        const a: Armed = { first: msg, latest: msg };
        armed.set(topic, a);
        if (c.first === "message") send(msg);
        else if (c.first === "value") send(withPayload(msg, c.firstValue));
        startWait(topic, a);
        done();
      },
      close() {
        for (const t of allTopics()) armed.get(t)?.timer?.cancel();
        armed.clear();
      },
    };

    function allTopics(): string[] {
      return armed.keys();
    }
  },
});
