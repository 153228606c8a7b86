/**
 * ws-out on the real flow server: WebSocket clients of its path receive each
 * payload as one JSON text frame; other paths are not served.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import { startShippedFlow, until, type ShippedFlow } from "../../../../test/shipped-flow.js";

let flow: ShippedFlow | undefined;
let dir: string;
const clients: WebSocket[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wattflow-ws-out-"));
  const file = join(dir, "live.json");
  writeFileSync(
    file,
    JSON.stringify({
      format: "wattflow/flow@1",
      id: "live",
      nodes: [
        { id: "in", type: "http-in", config: { method: "POST", path: "/send/" }, wires: [["out", "ok"]] },
        { id: "out", type: "ws-out", config: { path: "/ws/live/" } },
        { id: "ok", type: "http-response", config: { status: 202 } },
      ],
    }),
  );
  flow = await startShippedFlow(pathToFileURL(file), {});
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.terminate();
  await flow?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a client and records its frames as they come (text, and whether each was binary). */
async function client(path: string): Promise<{ frames: { text: string; binary: boolean }[] }> {
  const ws = new WebSocket(new URL(path, flow!.http.replace("http", "ws")));
  clients.push(ws);
  const frames: { text: string; binary: boolean }[] = [];
  ws.on("message", (data, binary) => frames.push({ text: String(data), binary }));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { frames };
}

const send = (payload: unknown) =>
  fetch(new URL("/send/", flow!.http), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });

describe("ws-out", () => {
  it("every client of the path receives each payload as a JSON text frame, in order", async () => {
    const a = await client("/ws/live/");
    const b = await client("/ws/live/");
    const payloads = [{ power_w: 1200, on: true, tags: ["pv"] }, "text", 42, null];
    for (const p of payloads) expect((await send({ v: p })).status).toBe(202);
    await until(() => a.frames.length === payloads.length && b.frames.length === payloads.length);
    for (const c of [a, b]) {
      expect(c.frames.every((f) => !f.binary)).toBe(true);
      expect(c.frames.map((f) => JSON.parse(f.text) as unknown)).toEqual(payloads.map((v) => ({ v })));
    }
  });

  it("serves the exact path only", async () => {
    const refused = new WebSocket(new URL("/ws/live", flow!.http.replace("http", "ws")));
    clients.push(refused);
    const outcome = await new Promise<string>((resolve) => {
      refused.once("open", () => resolve("open"));
      refused.once("unexpected-response", (_req, res) => resolve(`refused ${res.statusCode}`));
      refused.once("error", (err) => resolve(`error ${err.message}`));
    });
    expect(outcome).not.toBe("open");
  });
});
