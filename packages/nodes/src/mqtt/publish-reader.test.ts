/**
 * PUBLISH packets read off the connection's bytes: fields as sent, in order, whatever the chunking; every other
 * packet, and any PUBLISH left to the client (QoS 2, MQTT 5 properties), reaches the client's parser unchanged
 * and in order. (That brokers' bytes are read right is shown against Mosquitto and the embedded broker by the
 * mqtt, session, redelivery and shared-subscription tests, which all go through the reader.)
 */
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { PublishReader } from "./publish-reader.js";

/** An MQTT fixed header's remaining length (MQTT 3.1.1 §2.2.3). */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function publish(o: { topic: string; payload: string; qos: 0 | 1 | 2; retain?: boolean; id?: number; v5Properties?: number[] }): Buffer {
  const topic = Buffer.from(o.topic);
  const body = [topic.length >> 8, topic.length & 0xff, ...topic];
  if (o.qos > 0) body.push((o.id ?? 1) >> 8, (o.id ?? 1) & 0xff);
  if (o.v5Properties) body.push(...varint(o.v5Properties.length), ...o.v5Properties);
  body.push(...Buffer.from(o.payload));
  return Buffer.from([0x30 | (o.qos << 1) | (o.retain ? 1 : 0), ...varint(body.length), ...body]);
}

const CONNACK = Buffer.from([0x20, 2, 0, 1]);
const PINGRESP = Buffer.from([0xd0, 0]);

interface Read {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  messageId: number;
}

/** A connection's readable side and a client that keeps what it is handed, in order. */
function connection() {
  const source = Object.assign(new EventEmitter(), { pause: () => undefined, resume: () => undefined });
  const passed: Buffer[] = [];
  const client = new Writable({
    write(chunk: Buffer, _enc, done) {
      passed.push(Buffer.from(chunk));
      done();
    },
  });
  return { source, client, passed };
}

/** Feeds `bytes` in chunks of `size` to a reader; returns what it read and what it handed to the client. */
function run(bytes: Buffer, size: number, o: { v5?: boolean; connectedAfterChunks?: number } = {}): { read: Read[]; passed: Buffer } {
  const { source, client, passed } = connection();
  const read: Read[] = [];
  let chunks = 0;
  new PublishReader(source, client, () => chunks > (o.connectedAfterChunks ?? 0), o.v5 ?? false, (topic, payload, qos, retain, messageId) =>
    read.push({ topic, payload: payload.toString(), qos, retain, messageId }),
  );
  for (let at = 0; at < bytes.length; at += size) {
    chunks += 1;
    source.emit("data", bytes.subarray(at, at + size));
  }
  return { read, passed: Buffer.concat(passed) };
}

describe("publish reader: short packets and a client that is behind", () => {
  it("hands a packet shorter than a full header to the client as soon as its last byte arrives", () => {
    const { source, client, passed } = connection();
    new PublishReader(source, client, () => true, false, () => undefined);
    // A PINGRESP, then a PUBACK, each split after its first byte, with nothing after them.
    source.emit("data", Buffer.from([0xd0]));
    source.emit("data", Buffer.from([0x00]));
    expect(Buffer.concat(passed)).toEqual(Buffer.from([0xd0, 0x00]));
    source.emit("data", Buffer.from([0x40]));
    source.emit("data", Buffer.from([0x02, 0x00, 0x07]));
    expect(Buffer.concat(passed)).toEqual(Buffer.from([0xd0, 0x00, 0x40, 0x02, 0x00, 0x07]));
  });

  it("leaves a PUBLISH to the client while it still holds earlier bytes, so none overtakes them", () => {
    const source = Object.assign(new EventEmitter(), { pause: () => undefined, resume: () => undefined });
    const order: string[] = [];
    let release: (() => void) | undefined;
    // The client's parser takes the first write (CONNACK and a QoS 2 PUBLISH) but finishes it only later.
    const client = new Writable({
      write(chunk: Buffer, _enc, done) {
        const topics = [...chunk.toString("latin1").matchAll(/t\/[A-Z]|q2/g)].map((m) => m[0]);
        const finish = () => {
          order.push(...topics);
          done();
        };
        if (release === undefined && topics.includes("q2")) release = finish;
        else finish();
      },
    });
    let connected = false;
    new PublishReader(source, client, () => connected, false, (topic) => order.push(topic));
    source.emit("data", Buffer.concat([CONNACK, publish({ topic: "q2", payload: "", qos: 2, id: 1 }), publish({ topic: "t/A", payload: "", qos: 1, id: 2 })]));
    connected = true;
    source.emit("data", publish({ topic: "t/C", payload: "", qos: 1, id: 3 }));
    release!();
    expect(order).toEqual(["q2", "t/A", "t/C"]);
  });
});

describe("publish reader", () => {
  const big = "x".repeat(300);
  const stream = Buffer.concat([
    publish({ topic: "site/a/power", payload: '{"w":1}', qos: 1, id: 7 }),
    PINGRESP,
    publish({ topic: "site/b/power", payload: "ok", qos: 0, retain: true }),
    publish({ topic: "site/ü", payload: big, qos: 1, id: 65535 }),
  ]);
  const expected: Read[] = [
    { topic: "site/a/power", payload: '{"w":1}', qos: 1, retain: false, messageId: 7 },
    { topic: "site/b/power", payload: "ok", qos: 0, retain: true, messageId: 0 },
    { topic: "site/ü", payload: big, qos: 1, retain: false, messageId: 65535 },
  ];

  it("reads every PUBLISH with its fields, in order, and hands the rest to the client, however the bytes are split", () => {
    for (let size = 1; size <= stream.length; size++) {
      const { read, passed } = run(stream, size, { connectedAfterChunks: -1 });
      expect(read, `chunks of ${size}`).toEqual(expected);
      expect(passed).toEqual(PINGRESP);
    }
  });

  it("until the client has the CONNACK, hands it everything; then reads from the next chunk on", () => {
    const first = Buffer.concat([CONNACK, publish({ topic: "early", payload: "1", qos: 1, id: 1 })]);
    const { read, passed } = run(Buffer.concat([first, stream]), first.length, { connectedAfterChunks: 1 });
    expect(passed).toEqual(Buffer.concat([first, PINGRESP]));
    expect(read).toEqual(expected);
  });

  it("leaves a QoS 2 PUBLISH, and everything after it, to the client, so the order holds", () => {
    const qos2 = publish({ topic: "t/2", payload: "two", qos: 2, id: 9 });
    const after = publish({ topic: "t/3", payload: "three", qos: 1, id: 10 });
    for (const size of [1, 5, 1000]) {
      const { read, passed } = run(Buffer.concat([stream, qos2, after]), size, { connectedAfterChunks: -1 });
      expect(read).toEqual(expected);
      expect(passed).toEqual(Buffer.concat([PINGRESP, qos2, after]));
    }
  });

  it("MQTT 5: reads a PUBLISH without properties, leaves one with properties (a topic alias) to the client", () => {
    const plain = publish({ topic: "v5/a", payload: "a", qos: 1, id: 3, v5Properties: [] });
    const aliased = publish({ topic: "v5/b", payload: "b", qos: 1, id: 4, v5Properties: [0x23, 0, 1] });
    const { read, passed } = run(Buffer.concat([plain, aliased, plain]), 7, { v5: true, connectedAfterChunks: -1 });
    expect(read).toEqual([{ topic: "v5/a", payload: "a", qos: 1, retain: false, messageId: 3 }]);
    expect(passed).toEqual(Buffer.concat([aliased, plain]));
  });

  it("pauses the connection while the client's parser is behind, and resumes it once, when it has drained", () => {
    let paused = 0;
    let resumed = 0;
    const source = Object.assign(new EventEmitter(), { pause: () => (paused += 1), resume: () => (resumed += 1) });
    const pending: (() => void)[] = [];
    // A parser that takes a packet at a time, later, and buffers at most 16 bytes before asking the writer to wait.
    const client = new Writable({ highWaterMark: 16, write: (_chunk, _enc, done) => void pending.push(done) });
    new PublishReader(source, client, () => false, false, () => undefined);
    const packets = Array.from({ length: 30 }, (_, i) => publish({ topic: `t/${i}`, payload: "x", qos: 1, id: i + 1 }));
    source.emit("data", Buffer.concat(packets));
    expect([paused, resumed, client.listenerCount("drain")]).toEqual([1, 0, 1]);
    while (pending.length > 0) pending.shift()!();
    expect([paused, resumed, client.listenerCount("drain")]).toEqual([1, 1, 0]);
  });

  it("leaves malformed bytes to the client (which refuses them) instead of guessing", () => {
    const badLength = Buffer.from([0x32, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const { read, passed } = run(Buffer.concat([stream, badLength]), 3, { connectedAfterChunks: -1 });
    expect(read).toEqual(expected);
    expect(passed).toEqual(Buffer.concat([PINGRESP, badLength]));
  });
});
