/**
 * Hostile lines over real TCP: nothing a client sends can stop the runtime.
 * Each refusal is counted and parked as a dead letter, and the next good line
 * still goes through, on the same connection.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connect, type Socket } from "node:net";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import changeNode from "../change/index.js";
import tcpIn from "./index.js";

let t: TestFlow | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await t?.stop();
  t = undefined;
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("tcp-in under hostile lines", () => {
  it("survives deep, huge, broken and prototype-laden lines; parks and counts each refusal; good lines flow on", async () => {
    t = await startTestFlow(
      {
        id: "hostile",
        nodes: [
          { id: "in", type: "tcp-in", config: { port: 0, maxDepth: 32 }, wires: [["mark"]] },
          { id: "mark", type: "change", config: { rules: [{ action: "set", path: "payload.seen", value: true, valueType: "boolean" }] }, wires: [["out"]] },
          { id: "out", type: "test-collect" },
        ],
      },
      { nodes: [tcpIn, changeNode], freeze: true },
    );
    const listening = t.events.find((e) => e.type === "status" && e.nodeId === "in");
    const port = Number(/^127\.0\.0\.1:(\d+) ·/.exec(listening && "status" in listening ? (listening.status.text ?? "") : "")?.[1]);
    const s = connect({ host: "127.0.0.1", port });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => s.once("connect", resolve).once("error", reject));

    const lines: Buffer[] = [
      Buffer.from("[".repeat(10_000) + "]".repeat(10_000)),
      Buffer.from('{"a":'.repeat(10_000) + "1" + "}".repeat(10_000)),
      Buffer.from(JSON.stringify("x".repeat(5 * 1024 * 1024))),
      Buffer.from([0x7b, 0x22, 0x76, 0x22, 0x3a, 0xc3, 0x28, 0x7d]),
      Buffer.from('{"__proto__":{"polluted":1},"v":1}'),
      Buffer.from("{not json"),
      Buffer.from('{"v":2}'),
    ];
    for (const line of lines) s.write(Buffer.concat([line, Buffer.from("\n")]));

    await until(() => (t?.received("out").length ?? 0) >= 2, "two good lines");
    const out = t.received("out");
    const polluted = out[0]!.payload as Record<string, unknown>;
    expect(Object.getPrototypeOf(polluted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(polluted, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(polluted.seen).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out[1]!.payload).toEqual({ v: 2, seen: true });

    await until(async () => (await t!.store.deadLetters.count("hostile")) === 5, "five dead letters");
    const letters = (await t.store.deadLetters.list({ flowId: "hostile" })).reverse();
    const client = `127.0.0.1:${s.localPort}`;
    expect(letters.map((l) => [l.source, l.reason])).toEqual([
      [`${client} line 1`, "nests deeper than 32 levels"],
      [`${client} line 2`, "nests deeper than 32 levels"],
      [`${client} line 3`, "is 5242882 bytes, more than maxLineBytes (65536)"],
      [`${client} line 4`, 'is not valid UTF-8 (8 bytes): "{\\"v\\":\uFFFD(}"'],
      [`${client} line 6`, expect.stringMatching(/^is not valid JSON \(.+\): "\{not json"$/)],
    ]);
    // The oversize line was never buffered: its size is known, its content is not kept.
    expect(letters[2]).toMatchObject({ size: 5_242_882, preview: "" });
    expect(letters[3]).toMatchObject({ previewEncoding: "base64" });
    expect(t.engine.stats().find((n) => n.nodeId === "in")).toMatchObject({ deadLetters: 5, rejected: 5 });

    s.write('{"v":3}\n');
    await until(() => (t?.received("out").length ?? 0) >= 3, "the line after");
    expect(t.received("out")[2]!.payload).toEqual({ v: 3, seen: true });
  });
});
