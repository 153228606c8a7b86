/**
 * Test helpers for node authors: run a flow in-process with an in-memory
 * store, call its HTTP routes without a socket, and collect what nodes send.
 *
 *   const t = await startTestFlow({ nodes: [...] }, { nodes: [myNode] });
 *   t.inject("parse", { payload: "21.5" });
 *   const [out] = await t.waitFor("out", 1);
 */
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import { Type } from "@sinclair/typebox";
import { Engine } from "../engine/engine.js";
import { createMessage, type Message, type MessageInit } from "../engine/message.js";
import type { Completion, HttpReply, JobGate } from "../engine/types.js";
import { defineNode, type AnyConnectionDefinition, type AnyNodeDefinition } from "../registry/define.js";
import { Registry } from "../registry/registry.js";
import { compileFlow, diffFlows, formatIssue, type FlowIssue } from "../flow/index.js";
import { FLOW_FORMAT, type FlowDiff, type FlowNode, type FlowSubflow } from "../flow/types.js";
import type { CompiledFlow } from "../flow/compiled.js";
import { openStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import type { RuntimeEvent } from "../api/types.js";
import { RouteTable } from "../server/route-table.js";
import { MemoryWsHub } from "./memory-ws.js";

export { MemoryWsHub };

/** A sink that records every message it receives: `type: "test-collect"`. */
export const collectNode = defineNode({
  type: "test-collect",
  category: "test",
  summary: "Records the messages it receives (tests only).",
  config: Type.Object({}),
  inputs: 1,
  outputs: [],
  create() {
    return {
      input(_msg, _send, done) {
        done();
      },
    };
  },
});

export interface TestFlowOptions {
  nodes?: readonly AnyNodeDefinition[];
  connections?: readonly AnyConnectionDefinition[];
  env?: Record<string, string | undefined>;
  store?: Store;
  freeze?: boolean;
  flowId?: string;
  timezone?: string;
  /** The folder file references in node configs are relative to (a flow file's folder). */
  baseDir?: string;
  /** Where the engine and nodes log (default: silent unless WATTFLOW_TEST_LOG names a level). */
  log?: Logger;
  /** Once-per-cluster jobs (default: this flow runs every job itself). */
  jobs?: JobGate;
}

export interface TestFlowInput {
  id?: string;
  env?: Record<string, string>;
  connections?: { id: string; type: string; config?: Record<string, unknown> }[];
  subflows?: FlowSubflow[];
  nodes: FlowNode[];
}

export class FlowRejected extends Error {
  constructor(readonly issues: FlowIssue[]) {
    super(`flow refused:\n${issues.map(formatIssue).join("\n")}`);
    this.name = "FlowRejected";
  }
}

export interface TestFlow {
  readonly engine: Engine;
  readonly store: Store;
  readonly registry: Registry;
  readonly events: RuntimeEvent[];
  readonly routes: RouteTable;
  readonly ws: MemoryWsHub;
  readonly flowId: string;
  /** Messages each `test-collect` node received, in order. */
  received(nodeId: string): Message[];
  /** Waits until a `test-collect` node has received at least `count` messages. */
  waitFor(nodeId: string, count: number, timeoutMs?: number): Promise<Message[]>;
  /** Puts a message on a node's input; resolves with its completion when `track` is set. */
  inject(nodeId: string, init: MessageInit): void;
  injectTracked(nodeId: string, init: MessageInit): Promise<Completion>;
  /** Calls a flow HTTP route in-process. */
  request(method: string, path: string, options?: { query?: Record<string, string>; body?: unknown; headers?: Record<string, string> }): Promise<HttpReply>;
  /** Deploys a new version of the flow; throws FlowRejected with every issue when invalid. */
  redeploy(flow: TestFlowInput): Promise<FlowDiff>;
  stop(): Promise<void>;
}

export async function startTestFlow(flow: TestFlowInput, options: TestFlowOptions = {}): Promise<TestFlow> {
  const registry = new Registry();
  registry.registerNode(collectNode, "@wattflow/runtime/testing");
  for (const n of options.nodes ?? []) registry.registerNode(n);
  for (const c of options.connections ?? []) registry.registerConnection(c);
  const store = options.store ?? openStore({ memory: true });
  const events: RuntimeEvent[] = [];
  const routes = new RouteTable();
  const ws = new MemoryWsHub();
  const received = new Map<string, Message[]>();
  const waiters: { nodeId: string; count: number; resolve: () => void }[] = [];
  const flowId = flow.id ?? options.flowId ?? "test";
  const env = options.env ?? {};

  const log = options.log ?? pino({ level: process.env.WATTFLOW_TEST_LOG ?? "silent" });
  const engine = new Engine({
    store,
    log,
    http: routes,
    ws,
    freeze: options.freeze ?? true,
    closeTimeoutMs: 1000,
    timezone: options.timezone,
    ...(options.jobs ? { jobs: options.jobs } : {}),
    onEvent: (e) => events.push(e),
    // The harness's own nodes (test-collect) and its reads of them live in this thread: a flow marked isolate runs here too.
    isolation: false,
  });

  const compile = (input: TestFlowInput): CompiledFlow => {
    const doc = { format: FLOW_FORMAT, id: flowId, env: input.env, connections: input.connections ?? [], ...(input.subflows ? { subflows: input.subflows } : {}), nodes: input.nodes };
    const result = compileFlow(doc, { registry, env, ...(options.baseDir !== undefined ? { baseDir: options.baseDir } : {}) });
    if (!result.ok) throw new FlowRejected(result.errors);
    return result.flow;
  };

  // Collectors record through a wrapper definition so each test flow has its own memory.
  const recordingCollect = defineNode({
    ...collectNode,
    create(node) {
      return {
        input(msg, _send, done) {
          const list = received.get(node.id) ?? [];
          list.push(msg);
          received.set(node.id, list);
          for (let i = waiters.length - 1; i >= 0; i--) {
            const w = waiters[i]!;
            if (w.nodeId === node.id && list.length >= w.count) {
              waiters.splice(i, 1);
              w.resolve();
            }
          }
          done();
        },
      };
    },
  });
  registry.registerNode(recordingCollect, "@wattflow/runtime/testing");

  let current = compile(flow);
  await engine.deploy(current, diffFlows(undefined, current));

  return {
    engine,
    store,
    registry,
    events,
    routes,
    ws,
    flowId,
    received: (nodeId) => received.get(nodeId) ?? [],
    waitFor(nodeId, count, timeoutMs = 5000) {
      const have = received.get(nodeId) ?? [];
      if (have.length >= count) return Promise.resolve(have);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${nodeId} received ${(received.get(nodeId) ?? []).length} of ${count} messages within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          nodeId,
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received.get(nodeId) ?? []);
          },
        });
      });
    },
    inject(nodeId, init) {
      if (!engine.inject(flowId, nodeId, createMessage(init))) throw new Error(`no node ${nodeId} in flow ${flowId}`);
    },
    injectTracked(nodeId, init) {
      return new Promise((resolve, reject) => {
        if (!engine.inject(flowId, nodeId, createMessage(init), resolve)) reject(new Error(`no node ${nodeId} in flow ${flowId}`));
      });
    },
    async request(method, path, opts = {}) {
      const found = routes.find(method, path);
      if (!("handler" in found)) return { status: found.allowed.length ? 405 : 404, body: { error: "not found" } };
      return found.handler({
        method: method.toUpperCase(),
        path,
        params: found.params,
        query: opts.query ?? {},
        headers: opts.headers ?? {},
        body: opts.body,
      });
    },
    async redeploy(next) {
      const compiled = compile(next);
      const diff = diffFlows(current, compiled);
      await engine.deploy(compiled, diff);
      current = compiled;
      return diff;
    },
    async stop() {
      await engine.stop();
      if (!options.store) await store.close();
    },
  };
}

/**
 * Polls `check` every 20 ms until it holds (it may be async); fails after
 * `ms`, naming `what`. The deadline only turns a hang into a readable failure.
 */
/** A logger at `level` whose lines (JSON text, one per entry) are pushed onto `lines`, for tests that read the log. */
export function capturingLogger(lines: string[], level: pino.LevelWithSilent = "info"): Logger {
  return pino(
    { level },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString().split("\n").filter(Boolean));
        callback();
      },
    }),
  );
}

export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
