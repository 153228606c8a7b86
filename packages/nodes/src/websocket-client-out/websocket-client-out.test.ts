import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { AddressInfo } from "node:net";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import wsIn from "../websocket-client-in/index.js";
import wsOut from "./index.js";
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

describe("websocket-client-out", () => {
  it("sends text, JSON and bytes; holds messages until the server is up", async () => {
    const probe = await server();
    const port = probe.port;
    await new Promise((r) => probe.wss.close(r));
    servers.splice(0);
    const f = await flow([{ id: "o", type: "websocket-client-out", config: { url: `ws://127.0.0.1:${port}`, reconnectMinMs: 20, reconnectMaxMs: 50 } }]);
    const held = f.injectTracked("o", { payload: "first" });
    // The message waits through failed attempts (each one shows in the status) until the server is up.
    const failedAttempts = () => f.events.filter((e) => e.type === "status" && e.nodeId === "o" && /retry in/.test(e.status.text ?? "")).length;
    await until(() => failedAttempts() >= 2, "two failed attempts while the message is held");
    const s = await server(port);
    await held;
    await f.injectTracked("o", { payload: { kw: 3 } });
    await until(() => s.received.length === 2, "two frames");
    expect(s.received).toEqual(["first", '{"kw":3}']);
  });
});
