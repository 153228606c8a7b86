/**
 * The acknowledgements mqtt-in holds back: written in the order the messages arrived, only once each is handled,
 * the due ones of a turn in one write. (That a broker takes them is shown against Mosquitto by the redelivery,
 * session and mqtt tests.)
 */
import { describe, expect, it } from "vitest";
import { AckEntry, DeferredAcks } from "./deferred-acks.js";

/**
 * PUBACK message ids in the bytes. Each is 0x40, remaining length 2, the id: MQTT 3.1.1 §3.4, and MQTT 5 §3.4.2.1
 * (reason code Success without properties may be left out), so the same bytes serve both versions.
 */
function pubacks(bytes: Buffer): number[] {
  expect(bytes.length % 4).toBe(0);
  const ids: number[] = [];
  for (let at = 0; at < bytes.length; at += 4) {
    expect([bytes[at], bytes[at + 1]]).toEqual([0x40, 2]);
    ids.push(bytes.readUInt16BE(at + 2));
  }
  return ids;
}

function harness() {
  const writes: Buffer[] = [];
  const turn: (() => void)[] = [];
  let failures = 0;
  const acks = new DeferredAcks(
    (bytes) => writes.push(bytes),
    (fn) => turn.push(fn),
    () => (failures += 1),
  );
  const nextTurn = (): void => {
    for (const fn of turn.splice(0)) fn();
  };
  return { acks, writes, nextTurn, failures: () => failures };
}

describe("deferred acks", () => {
  it("writes the PUBACKs in arrival order once handled, the due ones in one write", () => {
    const { acks, writes, nextTurn } = harness();
    const [a, b, c, d] = [7, 65_535, 256, 1].map((id) => acks.track(new AckEntry(id)));
    acks.settle(c!, false);
    acks.settle(b!, false);
    nextTurn();
    // The oldest is not handled yet: nothing may go before its ack.
    expect(writes).toEqual([]);
    acks.settle(a!, false);
    nextTurn();
    expect(writes.length).toBe(1);
    expect(pubacks(writes[0]!)).toEqual([7, 65_535, 256]);
    expect(acks.waiting).toBe(1);
    acks.settle(d!, false);
    acks.settle(d!, true); // a second call does not count
    nextTurn();
    expect(writes.map((w) => pubacks(w))).toEqual([[7, 65_535, 256], [1]]);
    expect(acks.waiting).toBe(0);
  });

  it("a failed message holds back its ack and every later one, and asks for the connection to be renewed", () => {
    const { acks, writes, nextTurn, failures } = harness();
    const [a, b, c] = [1, 2, 3].map((id) => acks.track(new AckEntry(id)));
    acks.settle(b!, true);
    expect(failures()).toBe(1);
    acks.settle(c!, false);
    acks.settle(a!, false);
    nextTurn();
    expect(writes.map((w) => pubacks(w))).toEqual([[1]]);
    expect(acks.blocked).toBe(true);
    // Sending what is due meets the failed one again: whatever renews the connection is asked again.
    expect(failures()).toBe(2);
    acks.reset();
    expect(acks.waiting).toBe(0);
    expect(acks.blocked).toBe(false);
  });

  it("swallows the client's own PUBACK for the message just tracked, and nothing else", () => {
    const { acks } = harness();
    acks.track(new AckEntry(9));
    expect(acks.swallows({ cmd: "puback", messageId: 8 })).toBe(false);
    expect(acks.swallows({ cmd: "pubrec", messageId: 9 })).toBe(false);
    expect(acks.swallows({ cmd: "puback", messageId: 9 })).toBe(true);
    expect(acks.swallows({ cmd: "puback", messageId: 9 })).toBe(false);
  });
});
