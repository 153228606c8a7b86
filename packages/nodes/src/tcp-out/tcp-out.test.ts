import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import tcpOut from "./index.js";
import tcpRequest from "../tcp-request/index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  await t?.stop();
  t = undefined;
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A local server; `onData` answers each connection's data. */
async function server(onData: (socket: Socket, chunk: Buffer) => void = () => undefined, port = 0) {
  const received: string[] = [];
  const srv = createServer((s) => {
    sockets.push(s);
    s.on("data", (chunk) => {
      received.push(chunk.toString());
      onData(s, chunk);
    });
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(port, "127.0.0.1", r));
  return { srv, port: (srv.address() as AddressInfo).port, received, text: () => received.join("") };
}

const flow = async (type: string, config: Record<string, unknown>) => {
  t = await startTestFlow(
    {
      nodes: [
        { id: "n", type, name: "link", config: { host: "127.0.0.1", ...config }, wires: type === "tcp-out" ? [] : [["out"]] },
        { id: "out", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [tcpOut, tcpRequest, catchNode] },
  );
  return t;
};
const errors = () => (t?.events ?? []).flatMap((e) => (e.type === "error" ? [e.message] : []));

describe("tcp-out", () => {
  it("writes payloads in order, holds them while disconnected and reconnects with backoff", async () => {
    const first = await server();
    const f = await flow("tcp-out", { port: first.port, newline: true, reconnectMinMs: 20, reconnectMaxMs: 100 });
    await f.injectTracked("n", { payload: "a" });
    await f.injectTracked("n", { payload: { kw: 1 } });
    await until(() => first.text() === 'a\n{"kw":1}\n', "first server to receive both");
    // The server goes away; the node keeps retrying, then delivers to the server back on the same port.
    const port = first.port;
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => first.srv.close(r));
    const failedAttempts = () => f.events.filter((e) => e.type === "status" && e.nodeId === "n" && /disconnected/.test(e.status.text ?? "")).length;
    await until(() => failedAttempts() > 0, "disconnected status");
    const held = f.injectTracked("n", { payload: "b" });
    const before = failedAttempts();
    await until(() => failedAttempts() > before, "another failed attempt while the message is held");
    const again = await server(undefined, port);
    await held;
    await until(() => again.text() === "b\n", "reconnected server to receive the held message");
  });

  it("fails messages past maxQueued while disconnected", async () => {
    const gone = await server();
    const port = gone.port;
    await new Promise((r) => gone.srv.close(r));
    servers.splice(0);
    const f = await flow("tcp-out", { port, maxQueued: 0, reconnectMinMs: 1000 });
    await f.injectTracked("n", { payload: "x" });
    expect(errors().join()).toMatch(/not connected to 127\.0\.0\.1:\d+ and 0 messages already wait/);
  });
});
