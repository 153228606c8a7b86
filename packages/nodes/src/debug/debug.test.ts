import { afterEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import pino, { type Logger } from "pino";
import { defineNode, Type } from "@wattflow/runtime";
import debug from "./index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe("debug", () => {
  it("publishes the chosen property to the event stream and counts", async () => {
    t = await startTestFlow({ nodes: [{ id: "d", type: "debug", config: { property: "payload.v" } }] }, { nodes: [debug] });
    // A tracked message completes once debug has handled it.
    await t.injectTracked("d", { payload: { v: 42 } });
    await t.injectTracked("d", { payload: { v: 43 } });
    const shown = t.events.filter((e) => e.type === "debug").map((e) => (e.type === "debug" ? e.msg : null));
    expect(shown).toEqual([42, 43]);
    expect(t.engine.statuses()).toContainEqual({ flowId: "test", nodeId: "d", status: { fill: "grey", shape: "dot", text: "2" } });
  });

  it("cuts huge values so the editor is not flooded", async () => {
    t = await startTestFlow({ nodes: [{ id: "d", type: "debug", config: { property: "msg" } }] }, { nodes: [debug] });
    await t.injectTracked("d", { payload: "x".repeat(5000), list: Array.from({ length: 500 }, (_, i) => i) });
    const event = t.events.find((e) => e.type === "debug");
    const msg = (event?.type === "debug" ? event.msg : {}) as { payload: string; list: unknown[] };
    expect(msg.payload.length).toBeLessThan(1100);
    expect(msg.payload).toContain("(5000 chars)");
    expect(msg.list).toHaveLength(101);
  });
});

describe("debug log levels", () => {
  const capture = (): { log: Logger; lines: { level: number; msg: string }[] } => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
    return { log, lines };
  };

  it("logs errors a catch node passes on at error level, other messages at info, and follows a configured level", async () => {
    const { log, lines } = capture();
    const failing = defineNode({
      type: "test-failing",
      category: "test",
      summary: "fails every message",
      config: Type.Object({}),
      inputs: 1,
      outputs: [],
      create: () => ({ input: (_msg, _send, done) => done(new Error("pressure sensor unreadable")) }),
    });
    t = await startTestFlow(
      {
        nodes: [
          { id: "fail", type: "test-failing" },
          { id: "errors", type: "catch", config: {}, wires: [["log-errors"]] },
          { id: "log-errors", type: "debug", config: { property: "error", toLog: true } },
          { id: "plain", type: "debug", config: { toLog: true } },
          { id: "warned", type: "debug", config: { toLog: true, level: "warn" } },
        ],
      },
      { nodes: [debug, catchNode, failing], log },
    );
    await t.injectTracked("fail", { payload: 1 });
    await t.injectTracked("plain", { payload: "hello" });
    await t.injectTracked("warned", { payload: "careful" });
    // The caught error goes its own way (not tracked): wait for its line, with a deadline.
    for (const end = Date.now() + 5_000; !lines.some((l) => l.msg === "fail: pressure sensor unreadable") && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
    const byMsg = (text: string) => lines.find((l) => l.msg === text);
    // pino levels: 30 info, 40 warn, 50 error.
    expect(byMsg("fail: pressure sensor unreadable")?.level).toBe(50);
    expect(lines.filter((l) => l.msg === "debug").map((l) => l.level).sort()).toEqual([30, 40]);
  });
});
