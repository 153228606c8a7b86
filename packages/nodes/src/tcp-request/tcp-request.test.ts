import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import tcpOut from "../tcp-out/index.js";
import tcpRequest from "./index.js";
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

describe("tcp-request", () => {
  it("returns the reply up to a delimiter, a count, or the close", async () => {
    const echo = await server((s, chunk) => s.write(`got ${chunk.toString()}\nrest`));
    const d = await flow("tcp-request", { port: echo.port, reply: "delimiter" });
    await d.injectTracked("n", { payload: "ping", topic: "q" });
    expect(d.received("out")[0]).toMatchObject({ payload: "got ping", topic: "q" });
    await t!.stop();
    const n = await flow("tcp-request", { port: echo.port, reply: "count", count: 3, format: "buffer" });
    await n.injectTracked("n", { payload: "x" });
    expect(n.received("out")[0]!.payload).toEqual(Buffer.from("got"));
    await t!.stop();
    const closer = await server((s, chunk) => s.end(chunk.toString().toUpperCase()));
    const c = await flow("tcp-request", { port: closer.port, reply: "close" });
    await c.injectTracked("n", { payload: "abc" });
    expect(c.received("out")[0]!.payload).toBe("ABC");
  });

  it("fails on a timeout, a refused connection and an early close", async () => {
    const silent = await server();
    const s = await flow("tcp-request", { port: silent.port, timeoutMs: 100 });
    await s.injectTracked("n", { payload: "x" });
    const timedOut = errors();
    await t!.stop();
    const early = await server((sock) => sock.end("partial"));
    const e = await flow("tcp-request", { port: early.port });
    await e.injectTracked("n", { payload: "x" });
    const all = errors();
    await t!.stop();
    const gone = await server();
    const port = gone.port;
    await new Promise((r) => gone.srv.close(r));
    servers.splice(servers.indexOf(gone.srv), 1);
    const r = await flow("tcp-request", { port });
    await r.injectTracked("n", { payload: "x" });
    expect(timedOut[0]).toMatch(/no complete reply from 127\.0\.0\.1:\d+ within 100 ms/);
    expect(all[0]).toMatch(/closed the connection before the reply was complete \(7 bytes received\)/);
    expect(errors()[0]).toMatch(/ECONNREFUSED/);
  });
});
