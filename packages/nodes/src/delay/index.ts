import { defineNode, Type, type Done, type Message, type Send, type TimerHandle } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";

/** A message the node holds; its `done` is called when it leaves, so the engine counts it as in flight. */
interface Held {
  msg: Message;
  send: Send;
  done: Done;
  timer?: TimerHandle;
}

const Duration = (fallback: string, description: string) => Type.String({ pattern: DURATION_PATTERN, default: fallback, description });

export default defineNode({
  type: "delay",
  category: "function",
  summary: "Delays each message, or limits the rate of messages (all, or the latest per topic).",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    mode: Type.Union([Type.Literal("delay"), Type.Literal("random"), Type.Literal("rate"), Type.Literal("rate-per-topic")], {
      default: "delay",
      description: "delay: each message by `delay`; random: by a time between `min` and `max`; rate: at most `rate` messages per `per`; rate-per-topic: the latest message of each topic, released every `per`",
    }),
    delay: Duration("1s", "delay mode: how long each message waits"),
    delayOverride: Type.Boolean({ default: false, description: "delay mode: msg.delay (milliseconds) overrides `delay`" }),
    min: Duration("0s", "random mode: shortest wait"),
    max: Duration("1s", "random mode: longest wait"),
    rate: Type.Integer({ minimum: 1, default: 1, description: "rate mode: messages per `per`" }),
    per: Duration("1s", "rate modes: the period"),
    drop: Type.Boolean({ default: false, description: "rate mode: drop messages over the rate instead of queueing them" }),
    release: Type.Union([Type.Literal("each"), Type.Literal("all")], {
      default: "each",
      description: "rate-per-topic: each period release one topic (the longest waiting), or every topic",
    }),
  }),
  // Held messages count as in flight: past this many, the engine holds the senders upstream (queue policy `block`).
  concurrency: 10_000,
  inputs: 1,
  outputs: ["delayed"],
  create(node, c) {
    const delayMs = parseDuration(c.delay);
    const minMs = parseDuration(c.min);
    const maxMs = parseDuration(c.max);
    const perMs = parseDuration(c.per);
    if (c.mode === "random" && maxMs < minMs) throw new Error(`config "max" (${c.max}) is shorter than "min" (${c.min})`);
    if ((c.mode === "rate" || c.mode === "rate-per-topic") && perMs <= 0) throw new Error(`config "per" must be longer than 0`);

    /** Delay modes: every held message with its own timer, in arrival order. */
    const delayed = new Set<Held>();
    /** Rate mode: the queue, oldest first. */
    const held: Held[] = [];
    /** rate-per-topic: the latest message per topic, in the order topics started waiting. */
    const latest = new Map<string, Held>();
    let ticker: TimerHandle | undefined;
    let lastSent = -Infinity;
    let discarded = 0;

    const release = (h: Held): void => {
      h.send(h.msg);
      h.done();
    };
    const discard = (h: Held): void => {
      discarded += 1;
      h.done();
    };
    const showDiscarded = (): void => node.status({ fill: "grey", shape: "ring", text: `${discarded} dropped over the rate` });

    // --- delay and random ---
    const waitFor = (msg: Message): number => {
      if (c.mode === "random") return minMs + Math.random() * (maxMs - minMs);
      if (c.delayOverride && typeof msg.delay === "number" && Number.isFinite(msg.delay) && msg.delay >= 0) return msg.delay;
      return delayMs;
    };
    const delayOne = (h: Held): void => {
      delayed.add(h);
      h.timer = node.timers.setTimeout(() => {
        delayed.delete(h);
        release(h);
      }, waitFor(h.msg));
    };

    // --- rate ---
    const spacing = perMs / c.rate;
    const pump = (): void => {
      ticker = undefined;
      while (held.length > 0) {
        const wait = lastSent + spacing - Date.now();
        if (wait > 0) {
          ticker = node.timers.setTimeout(pump, wait);
          return;
        }
        lastSent = Date.now();
        release(held.shift()!);
      }
    };
    const rateOne = (h: Held): void => {
      if (c.drop && (held.length > 0 || Date.now() - lastSent < spacing)) {
        discard(h);
        showDiscarded();
        return;
      }
      held.push(h);
      if (ticker === undefined) pump();
    };

    // --- rate per topic ---
    const tick = (): void => {
      if (c.release === "all") {
        const all = [...latest.values()];
        latest.clear();
        for (const h of all) release(h);
      } else {
        const first = latest.entries().next();
        if (!first.done) {
          latest.delete(first.value[0]);
          release(first.value[1]);
        }
      }
      if (latest.size === 0) {
        ticker?.cancel();
        ticker = undefined;
      }
    };
    const topicOne = (h: Held): void => {
      const topic = h.msg.topic === undefined ? "" : String(h.msg.topic);
      const before = latest.get(topic);
      if (before) {
        // The newer message takes the older one's turn.
        latest.set(topic, h);
        discard(before);
      } else {
        latest.set(topic, h);
      }
      if (ticker === undefined) ticker = node.timers.setInterval(tick, perMs);
    };

    /** Takes the first `n` waiting messages (arrival order; per topic, the order topics started waiting) off their timers. */
    const take = (n: number): Held[] => {
      const out: Held[] = [];
      if (c.mode === "rate-per-topic") {
        for (const [topic, h] of latest) {
          if (out.length >= n) break;
          latest.delete(topic);
          out.push(h);
        }
      } else if (c.mode === "rate") {
        for (const h of held.splice(0, n)) out.push(h);
      } else {
        for (const h of delayed) {
          if (out.length >= n) break;
          delayed.delete(h);
          h.timer?.cancel();
          out.push(h);
        }
      }
      if (latest.size === 0 && held.length === 0) {
        ticker?.cancel();
        ticker = undefined;
      }
      return out;
    };

    return {
      input(msg, send, done) {
        if (msg.reset !== undefined) {
          // Everything waiting is discarded; the reset itself is not passed on.
          for (const h of take(Infinity)) h.done();
          return done();
        }
        if (msg.flush !== undefined) {
          for (const h of take(typeof msg.flush === "number" && msg.flush >= 0 ? msg.flush : Infinity)) release(h);
          return done();
        }
        const h: Held = { msg, send, done };
        if (c.mode === "delay" || c.mode === "random") delayOne(h);
        else if (c.mode === "rate") rateOne(h);
        else topicOne(h);
      },
      close() {
        // Timers stop with the node; what still waits is finished (not sent) so its sources are not left waiting.
        for (const h of take(Infinity)) h.done();
      },
    };
  },
});
