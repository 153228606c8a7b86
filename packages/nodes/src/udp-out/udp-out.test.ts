import { afterEach, describe, expect, it } from "vitest";
import { createSocket, type Socket } from "node:dgram";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import udpOut from "./index.js";
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

describe("udp-out", () => {
  it("sends each payload as one datagram", async () => {
    const receiver = await socket(0);
    const port = receiver.address().port;
    const got: string[] = [];
    receiver.on("message", (b) => got.push(b.toString()));
    t = await startTestFlow({ nodes: [{ id: "o", type: "udp-out", config: { host: "127.0.0.1", port } }] }, { nodes: [udpOut] });
    await t.injectTracked("o", { payload: "a" });
    await t.injectTracked("o", { payload: { w: 5 } });
    const deadline = Date.now() + 3000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual(["a", '{"w":5}']);
  });

  it("fails a payload too large for one datagram, naming the size", async () => {
    t = await startTestFlow(
      { nodes: [{ id: "o", type: "udp-out", config: { host: "127.0.0.1", port: 9 } }, { id: "c", type: "catch", wires: [["caught"]] }, { id: "caught", type: "test-collect" }] },
      { nodes: [udpOut, catchNode] },
    );
    await t.injectTracked("o", { payload: "x".repeat(70_000) });
    expect(t.events.find((e) => e.type === "error")).toMatchObject({ message: "payload is 70000 bytes; a UDP datagram carries at most 65507" });
  });
});
