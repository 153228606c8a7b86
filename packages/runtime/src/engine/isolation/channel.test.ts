/**
 * The channel between an isolated flow's threads, over a real MessageChannel:
 * when a batch cannot be copied, what goes again item by item keeps its order.
 */
import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { Channel } from "./channel.js";
import { until } from "../../testing/index.js";

const ports: MessageChannel[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) (p.port1.close(), p.port2.close());
});

describe("isolation channel", () => {
  it("a batch with something uncopyable goes item by item, a split note's parts before the batch's later notes", async () => {
    const pair = new MessageChannel();
    ports.push(pair);
    const sender = new Channel(pair.port1, () => undefined);
    const receiver = new Channel(pair.port2, () => undefined);
    const got: unknown[] = [];
    receiver.handle("deliver", (...values: never[]) => void got.push(...(values as unknown[])));
    const refused: unknown[] = [];
    // Like a stand-in: a note of several messages that cannot go whole goes again one message per note.
    const deliver = (values: unknown[]): void =>
      sender.noteOrElse(
        () => {
          if (values.length > 1) for (const v of values) deliver([v]);
          else refused.push(values[0]);
        },
        "deliver",
        ...values,
      );
    // One turn: a note holding a function among plain values, then another note.
    deliver([1, () => 2, 3]);
    deliver([4, 5]);
    await until(() => got.length === 4, 5000, "the copyable values");
    expect(got).toEqual([1, 3, 4, 5]);
    expect(refused).toHaveLength(1);
  });
});
