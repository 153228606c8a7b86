/**
 * One flow's mistake cannot stop the runtime: the real runtime (standard
 * nodes from node_modules, built by `npm run build`) runs an error loop, a
 * function that never yields and one that holds the loop for 1.5 s, next to
 * a flow that keeps ticking; the admin API answers and the stall is named.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRuntime, type RunningRuntime } from "../start.js";
import type { Health, RuntimeEvent } from "../api/types.js";
import { capturingLogger, until } from "../testing/index.js";

let rt: RunningRuntime;
let root: string;
const events: RuntimeEvent[] = [];
const logLines: string[] = [];

const flowFile = (id: string, nodes: object[]) => ({ format: "wattflow/flow@1", id, nodes });
const fnNode = (id: string, code: string, extra: object = {}, wires: string[][] = []) => ({ id, type: "function", config: { code, ...extra }, wires });


const ticks = () => rt.engine.stats().find((s) => s.flowId === "alive" && s.nodeId === "count")?.received ?? 0;

async function getText(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(new URL(path, rt.adminUrl));
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "wattflow-contain-"));
  const flowsDir = join(root, "flows");
  mkdirSync(flowsDir);
  const write = (id: string, nodes: object[]) => writeFileSync(join(flowsDir, `${id}.json`), JSON.stringify(flowFile(id, nodes)));
  write("alive", [{ id: "tick", type: "inject", config: { interval: "50ms", payload: 1 }, wires: [["count"]] }, fnNode("count", "return msg;")]);
  // The first error handler: the handler throws too.
  write("loop", [
    { id: "start", type: "inject", config: { once: true, onceDelay: "10ms", payload: 1 }, wires: [["boom"]] },
    fnNode("boom", "throw new Error('first');"),
    { id: "errors", type: "catch", config: {}, wires: [["handler"]] },
    fnNode("handler", "throw new Error('the handler failed too');"),
  ]);
  write("busy", [
    { id: "go-spin", type: "inject", config: {}, wires: [["spin"]] },
    fnNode("spin", "while (true) {}", { timeout: "200ms" }),
    { id: "go-slow", type: "inject", config: {}, wires: [["slow"]] },
    fnNode("slow", "const end = Date.now() + 1500; while (Date.now() < end) {}\nreturn msg;", { timeout: "5s" }),
  ]);
  rt = await startRuntime({
    port: 0,
    host: "127.0.0.1",
    httpPort: 0,
    httpHost: "127.0.0.1",
    dataDir: join(root, "data"),
    flowsDir,
    watch: false,
    logger: capturingLogger(logLines, "warn"),
  });
  rt.events.subscribe((e) => events.push(e));
});

afterAll(async () => {
  await rt?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("containment", () => {
  it("an error handler that throws again is stopped, logged once, and the admin API answers", async () => {
    await until(() => rt.engine.stats().find((s) => s.flowId === "loop" && s.nodeId === "handler")!.errors >= 10);
    const stats = await getText("api/stats");
    expect(stats.status).toBe(200);
    // The loop stays stopped: the other flow goes on handling messages (the scheduler has had many turns)
    // and the handler's count has not moved, which does not depend on how fast this machine is.
    const handlerErrors = () => rt.engine.stats().find((s) => s.flowId === "loop" && s.nodeId === "handler")!.errors;
    const ticksNow = ticks();
    await until(() => ticks() >= ticksNow + 3, 5_000, "three more ticks of the other flow");
    expect(handlerErrors()).toBe(10);
    const reports = logLines.filter((l) => l.includes("error loop stopped"));
    expect(reports).toHaveLength(1);
    expect(JSON.parse(reports[0]!).msg).toMatch(/^loop\/handler: error loop stopped after 10 errors in a chain: loop\/boom → loop\/handler/);
  });

  it("a function that never yields errors after its limit and the other flows keep running", async () => {
    const before = ticks();
    expect((await fetch(new URL("api/flows/busy/nodes/go-spin/trigger", rt.adminUrl), { method: "POST" })).status).toBe(202);
    await until(() => events.some((e) => e.type === "error" && e.nodeId === "spin"));
    const error = events.find((e) => e.type === "error" && e.nodeId === "spin");
    expect(error).toMatchObject({ flowId: "busy", message: expect.stringMatching(/^the code ran longer than its 200 ms limit/) });
    expect(logLines.some((l) => JSON.parse(l).msg.startsWith("busy/spin: the code ran longer than its 200 ms limit"))).toBe(true);
    await until(() => ticks() >= before + 3, 2000);
  });

  it("a node that holds the event loop for 1.5 s is named in the log, the event stream, /metrics and /api/health", async () => {
    expect((await fetch(new URL("api/flows/busy/nodes/go-slow/trigger", rt.adminUrl), { method: "POST" })).status).toBe(202);
    await until(() => events.some((e) => e.type === "error" && e.nodeId === "slow"));
    expect(events.find((e) => e.type === "error" && e.nodeId === "slow")).toMatchObject({ flowId: "busy", message: expect.stringMatching(/^blocked the event loop for 1[4-9]\d\d ms/) });
    expect(logLines.some((l) => /event loop blocked for \d+ ms: busy\/slow's input handler ran 1[4-9]\d\d ms/.test(JSON.parse(l).msg))).toBe(true);
    expect(rt.engine.statuses()).toContainEqual({ flowId: "busy", nodeId: "slow", status: expect.objectContaining({ text: expect.stringMatching(/^blocked the event loop 1[4-9]\d\d ms$/) }) });
    const metrics = (await getText("metrics")).text;
    const max = Number(/^wattflow_event_loop_delay_seconds\{stat="max"\} (\S+)$/m.exec(metrics)?.[1]);
    expect(max).toBeGreaterThan(1.3);
    expect(metrics).toMatch(/^wattflow_event_loop_stalls_total \d+$/m);
    const health = JSON.parse((await getText("api/health")).text) as Health;
    expect(health.eventLoop).toMatchObject({ lastStall: { node: "busy/slow" } });
    expect(health.eventLoop!.stalls).toBeGreaterThanOrEqual(1);
  });
});
