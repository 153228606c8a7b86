import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { AddressInfo } from "node:net";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import wsIn from "./index.js";
import wsOut from "../websocket-client-out/index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
const servers: WebSocketServer[] = [];
afterEach(async () => {
  await t?.stop();
  t = undefined;
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise((r) => s.close(r));
  }
});

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function server(port = 0) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port });
  servers.push(wss);
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const clients: WebSocket[] = [];
  const received: string[] = [];
  wss.on("connection", (ws) => {
    clients.push(ws);
    ws.on("message", (d) => received.push(d.toString()));
  });
  return { wss, port: (wss.address() as AddressInfo).port, clients, received };
}

const flow = async (nodes: Parameters<typeof startTestFlow>[0]["nodes"]) => {
  t = await startTestFlow(
    { nodes: [...nodes, { id: "out", type: "test-collect" }, { id: "c", type: "catch", wires: [["caught"]] }, { id: "caught", type: "test-collect" }] },
    { nodes: [wsIn, wsOut, catchNode] },
  );
  return t;
};

describe("websocket-client-in", () => {
  it("decodes JSON frames within limits and reconnects after the server drops it", async () => {
    const s = await server();
    const url = `ws://127.0.0.1:${s.port}/live`;
    const f = await flow([{ id: "in", type: "websocket-client-in", config: { url, maxDepth: 2, reconnectMinMs: 20 }, wires: [["out"]] }]);
    await until(() => s.clients.length === 1, "the client to connect");
    s.clients[0]!.send('{"w":120}');
    s.clients[0]!.send("[[[1]]]");
    await f.waitFor("out", 1);
    await f.waitFor("caught", 1);
    expect(f.received("out")[0]).toMatchObject({ topic: url, payload: { w: 120 }, binary: false });
    expect(f.events.find((e) => e.type === "error")).toMatchObject({ message: expect.stringMatching(/nests deeper than 2 levels/) });
    s.clients[0]!.terminate();
    await until(() => s.clients.length === 2, "the client to reconnect");
    s.clients[1]!.send('"again"');
    expect((await f.waitFor("out", 2))[1]!.payload).toBe("again");
  });

  it("refuses a URL that is not ws:// or wss://", async () => {
    const f = await flow([{ id: "in", type: "websocket-client-in", config: { url: "http://127.0.0.1/x" }, wires: [["out"]] }]);
    expect(f.events.some((e) => e.type === "error" && /not a ws:\/\/ or wss:\/\/ URL/.test(e.message))).toBe(true);
  });
});
