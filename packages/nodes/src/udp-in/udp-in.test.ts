import { afterEach, describe, expect, it } from "vitest";
import { createSocket, type Socket } from "node:dgram";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import udpIn from "./index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await Promise.all(sockets.splice(0).map((s) => new Promise((r) => s.close(() => r(undefined)))));
});

const socket = async (bindPort?: number): Promise<Socket> => {
  const s = createSocket("udp4");
  sockets.push(s);
  if (bindPort !== undefined) await new Promise<void>((r) => s.bind(bindPort, "127.0.0.1", r));
  return s;
};
const sendTo = (s: Socket, port: number, data: string | Buffer) => new Promise<void>((r, j) => s.send(data, port, "127.0.0.1", (e) => (e ? j(e) : r())));

const listen = async (config: Record<string, unknown>) => {
  t = await startTestFlow(
    {
      nodes: [
        { id: "in", type: "udp-in", config: { port: 0, ...config }, wires: [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [udpIn, catchNode] },
  );
  const status = t.events.find((e) => e.type === "status" && e.nodeId === "in");
  const port = Number(/^127\.0\.0\.1:(\d+) ·/.exec(status && "status" in status ? (status.status.text ?? "") : "")?.[1]);
  expect(port).toBeGreaterThan(0);
  return port;
};

describe("udp-in", () => {
  it("binds 127.0.0.1 by default and decodes JSON with the untrusted-JSON limits", async () => {
    const port = await listen({ maxDepth: 3 });
    const s = await socket();
    await sendTo(s, port, '{"kw":1.5}');
    await sendTo(s, port, "[[[[1]]]]");
    await sendTo(s, port, "not json");
    await sendTo(s, port, Buffer.from([0xff, 0xfe]));
    const [msg] = await t!.waitFor("out", 1);
    await t!.waitFor("caught", 3);
    expect(msg).toMatchObject({ topic: "udp", payload: { kw: 1.5 }, ip: "127.0.0.1" });
    const errors = t!.events.flatMap((e) => (e.type === "error" ? [e.message] : []));
    expect(errors[0]).toMatch(/^datagram from 127\.0\.0\.1:\d+ nests deeper than 3 levels/);
    expect(errors[1]).toMatch(/is not valid JSON/);
    expect(errors[2]).toMatch(/is not valid UTF-8/);
    expect(t!.received("out")).toHaveLength(1);
  });

  it("text and bytes formats", async () => {
    const port = await listen({ format: "text", topic: "meter" });
    const s = await socket();
    await sendTo(s, port, "P=230W");
    expect((await t!.waitFor("out", 1))[0]).toMatchObject({ topic: "meter", payload: "P=230W" });
    await t!.stop();
    const p2 = await listen({ format: "bytes" });
    await sendTo(s, p2, Buffer.from([1, 2, 3]));
    expect((await t!.waitFor("out", 1))[0]!.payload).toEqual(Buffer.from([1, 2, 3]));
  });
});
