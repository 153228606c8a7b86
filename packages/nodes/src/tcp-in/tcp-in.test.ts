import { afterEach, describe, expect, it } from "vitest";
import { connect, type Socket } from "node:net";
import { defineNode, Type } from "@wattflow/runtime";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import catchNode from "../catch/index.js";
import tcpIn from "./index.js";

let t: TestFlow | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await t?.stop();
  t = undefined;
});

/** Polls until `check` holds; the deadline only turns a hang into a readable failure. */
async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const start = async (config: Record<string, unknown>, extra: { nodes?: Parameters<typeof startTestFlow>[0]["nodes"]; wires?: string[][] } = {}) => {
  t = await startTestFlow(
    {
      nodes: [
        { id: "in", type: "tcp-in", config: { port: 0, ...config }, wires: extra.wires ?? [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "errors", type: "catch", config: { scope: ["in"] }, wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
        ...(extra.nodes ?? []),
      ],
    },
    { nodes: [tcpIn, catchNode, slowNode] },
  );
  const listening = t.events.find((e) => e.type === "status" && e.nodeId === "in");
  const text = listening && "status" in listening ? (listening.status.text ?? "") : "";
  const port = Number(/^127\.0\.0\.1:(\d+) ·/.exec(text)?.[1]);
  expect(port).toBeGreaterThan(0);
  return port;
};

const open = async (port: number): Promise<Socket> => {
  const s = connect({ host: "127.0.0.1", port });
  s.setNoDelay(true);
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  return s;
};

const closed = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once("close", () => resolve())));
const errorTexts = (): string[] => (t?.events ?? []).flatMap((e) => (e.type === "error" && e.nodeId === "in" ? [e.message] : []));
const payloads = (id: string): unknown[] => (t?.received(id) ?? []).map((m) => m.payload);

/** Passes messages on slowly, one at a time, so a small blocking queue in front of it fills up. */
const slowNode = defineNode({
  type: "test-slow",
  category: "test",
  summary: "Forwards each message after a short delay (tests only).",
  config: Type.Object({}),
  inputs: 1,
  outputs: ["out"],
  concurrency: 1,
  create() {
    return {
      input(msg, send, done) {
        setTimeout(() => {
          send(msg);
          done();
        }, 1);
      },
    };
  },
});

describe("tcp-in", () => {
  it("sends one message per JSON line, with \\n or \\r\\n, the topic and the client", async () => {
    const port = await start({ topic: "telemetry" });
    const s = await open(port);
    s.write('{"sensor_id":"ldr_1","value":512}\n{"sensor_id":"pir_1","value":1}\r\n\n  \r\n[1,2]\n');
    const got = await t!.waitFor("out", 3);
    expect(got.map((m) => m.payload)).toEqual([{ sensor_id: "ldr_1", value: 512 }, { sensor_id: "pir_1", value: 1 }, [1, 2]]);
    expect(got[0]!.topic).toBe("telemetry");
    expect(got[0]!.client).toEqual({ address: "127.0.0.1", port: s.localPort });
    expect(errorTexts()).toEqual([]);
  });

  it("joins a line split across TCP chunks, even inside a multi-byte character, and flushes an unterminated last line", async () => {
    const port = await start({});
    const s = await open(port);
    const line = Buffer.from('{"unit":"°C","value":21.5}\n{"tail":true}');
    const cut = line.indexOf(Buffer.from("°")) + 1; // between the two bytes of °
    s.write(line.subarray(0, cut));
    await pause(30); // lets the first part arrive as its own chunk
    s.write(line.subarray(cut, cut + 5));
    await pause(30);
    s.end(line.subarray(cut + 5));
    expect(payloads("out").length).toBe(0);
    await t!.waitFor("out", 2);
    expect(payloads("out")).toEqual([{ unit: "°C", value: 21.5 }, { tail: true }]);
  });

  it("skips an oversize line, invalid JSON and invalid UTF-8 with errors, while the connection and others keep delivering", async () => {
    const port = await start({});
    const a = await open(port);
    const b = await open(port);
    let bSent = 0;
    const notJson = "not json at all: a long line from a misconfigured device that talks plain text instead";
    const fromB = () => b.write(`{"b":${bSent++}}\n`);

    a.write('{"a":1}\n');
    fromB();
    a.write(`{"blob":"${"x".repeat(1024 * 1024)}"}\n`);
    fromB();
    a.write(`${notJson}\n`);
    fromB();
    a.write(Buffer.concat([Buffer.from('{"v":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]));
    fromB();
    a.write('{"a":2}\n');
    fromB();

    await t!.waitFor("out", 7);
    expect(payloads("out").filter((p) => (p as Record<string, unknown>).a !== undefined)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(payloads("out").filter((p) => (p as Record<string, unknown>).b !== undefined)).toEqual([0, 1, 2, 3, 4].map((b) => ({ b })));

    await until(() => errorTexts().length >= 3, "three errors");
    const client = `127.0.0.1:${a.localPort}`;
    const [oversize, json, utf8] = errorTexts();
    expect(oversize).toBe(`line 2 from ${client} is ${1024 * 1024 + 11} bytes, more than maxLineBytes (65536); line skipped`);
    expect(json).toMatch(new RegExp(`^line 3 from ${client} is not valid JSON \\(.+\\): `));
    expect(json!.endsWith(`: ${JSON.stringify(notJson.slice(0, 80))}…`)).toBe(true);
    expect(utf8).toBe(`line 4 from ${client} is not valid UTF-8 (10 bytes): ${JSON.stringify('{"v":"\uFFFD\uFFFD"}')}`);
    expect(errorTexts()).toHaveLength(3);

    // Catch nodes get the client and line number with each error.
    const caught = await t!.waitFor("caught", 3);
    expect(caught.map((m) => [m.line, m.client])).toEqual([
      [2, { address: "127.0.0.1", port: a.localPort }],
      [3, { address: "127.0.0.1", port: a.localPort }],
      [4, { address: "127.0.0.1", port: a.localPort }],
    ]);
    expect(a.destroyed).toBe(false);
  });

  it("closes a connection that sends an oversize line when closeOnOversize is set", async () => {
    const port = await start({ maxLineBytes: 16, closeOnOversize: true });
    const a = await open(port);
    const b = await open(port);
    const aPort = a.localPort;
    a.write('{"ok":1}\n{"this line":"is far too long"}\n{"never":1}\n');
    await closed(a);
    b.write('{"b":1}\n');
    await t!.waitFor("out", 2);
    expect(payloads("out")).toEqual([{ ok: 1 }, { b: 1 }]);
    expect(errorTexts()).toEqual([`line 2 from 127.0.0.1:${aPort} is 31 bytes, more than maxLineBytes (16); connection closed`]);
  });

  it("closes connections beyond maxConnections and keeps serving the others", async () => {
    const port = await start({ maxConnections: 1 });
    const a = await open(port);
    a.write('{"n":1}\n');
    await t!.waitFor("out", 1);
    const b = connect({ host: "127.0.0.1", port });
    sockets.push(b);
    b.on("error", () => {});
    await closed(b);
    a.write('{"n":2}\n');
    await t!.waitFor("out", 2);
    expect(payloads("out")).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("pauses reading while a queue downstream is full, resumes when it drains, and loses nothing", async () => {
    const port = await start(
      {},
      {
        wires: [["slow"]],
        nodes: [{ id: "slow", type: "test-slow", queue: { size: 4, policy: "block" }, wires: [["out"]] }],
      },
    );
    const s = await open(port);
    const lines = Array.from({ length: 200 }, (_, i) => `{"i":${i}}\n`).join("");
    s.write(lines);
    await t!.waitFor("out", 200);
    expect(payloads("out")).toEqual(Array.from({ length: 200 }, (_, i) => ({ i })));
    const texts = t!.events.flatMap((e) => (e.type === "status" && e.nodeId === "in" && "status" in e ? [e.status.text ?? ""] : []));
    const pausedAt = texts.findIndex((x) => x.includes("paused: downstream busy"));
    expect(pausedAt).toBeGreaterThan(-1);
    expect(texts.slice(pausedAt + 1).some((x) => !x.includes("paused"))).toBe(true);
  });

  it("reports a port it cannot listen on, naming host and port", async () => {
    const port = await start({});
    const second = await startTestFlow(
      { id: "other", nodes: [{ id: "in2", type: "tcp-in", config: { port } }] },
      { nodes: [tcpIn] },
    );
    try {
      const error = second.events.find((e) => e.type === "error" && e.nodeId === "in2");
      expect(error && "message" in error ? error.message : "").toMatch(new RegExp(`^cannot listen on host 127\\.0\\.0\\.1 port ${port}: .*EADDRINUSE`));
    } finally {
      await second.stop();
    }
  });

  it("closes every connection and the listener on stop", async () => {
    const port = await start({});
    const s = await open(port);
    s.write('{"n":1}\n');
    await t!.waitFor("out", 1);
    await t!.stop();
    t = undefined;
    await closed(s);
    const refused = connect({ host: "127.0.0.1", port });
    sockets.push(refused);
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => refused.once("error", resolve));
    expect(err.code).toBe("ECONNREFUSED");
  });
});
