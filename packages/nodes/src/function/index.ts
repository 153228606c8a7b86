import { readFileSync } from "node:fs";
import { defineNode, FILE_KEYWORD, freezeByDefault, RAW_KEYWORD, Type, type Done, type Message, type Output } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";
import { DURATION_PATTERN, parseDuration } from "../shared/duration.js";
import { compileUserCode } from "./compile.js";
import { TimedRunner } from "./time-limit.js";
import { WorkerRunner } from "./worker-runner.js";

const DEFAULT_CODE = "return msg;";

/** A message whose returned promise has not settled yet. */
interface Pending {
  readonly started: number;
  readonly done: Done;
  /** Gives the message up in its worker (isolation "worker"), so a late result is dropped there. */
  cancel?: () => void;
}

export default defineNode({
  type: "function",
  category: "function",
  summary: "Runs your JavaScript on each message. Not a sandbox: the code has the runtime's full privileges.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    code: Type.String({ default: DEFAULT_CODE, description: "body of async function (msg, node, context, env, flow, global)", [RAW_KEYWORD]: true }),
    file: Type.Optional(
      Type.String({
        minLength: 1,
        description: "a file holding the body instead of `code`, relative to the flow file (e.g. heatpump/device-status.js); read at each deploy",
        [FILE_KEYWORD]: true,
      }),
    ),
    outputs: Type.Integer({ minimum: 0, maximum: 32, default: 1, description: "output ports; return an array with one entry per port" }),
    timeout: Type.String({
      pattern: DURATION_PATTERN,
      default: "500ms",
      description:
        "longest the code may run without awaiting (per message; with isolation worker, at any point, after an await too); past it the code is stopped and the message fails. 0s: no limit",
    }),
    messageTimeout: Type.String({
      pattern: DURATION_PATTERN,
      default: "30s",
      description: "longest a message may take in all, awaits included; past it the message fails and a late result is dropped. 0s: no limit",
    }),
    isolation: Type.Union([Type.Literal("none"), Type.Literal("worker")], {
      default: "none",
      description:
        "worker: run the code in its own worker thread, with a memory limit; code that loops (even after an await) or crashes there is stopped and restarted without stalling the runtime. Messages cross by copy: a few times slower per message than none (in-process)",
    }),
    memoryMb: Type.Integer({
      minimum: 8,
      maximum: 16384,
      default: 128,
      description: "with isolation worker: the worker's heap limit in MB; past it the worker is stopped and its messages fail",
    }),
  }),
  checkConfig: (c) => (c.file !== undefined && c.code !== DEFAULT_CODE ? [{ pointer: "/code", message: "give either code or file, not both" }] : []),
  inputs: 1,
  outputs: ["output 1"],
  outputsFor: (c) => Array.from({ length: c.outputs }, (_, i) => `output ${i + 1}`),
  create(node, c) {
    const where = `${node.flowId}/${node.id}`;
    // The compiler made `file` absolute and checked it can be read; it is read again here, as deployed.
    // Compiled here in both modes: a syntax error stops the node from starting and names the line.
    const code = c.file !== undefined ? readFileSync(c.file, "utf8") : c.code;
    const run = compileUserCode(code, c.file !== undefined ? `${where} (${c.file})` : where);
    const limitMs = parseDuration(c.timeout);
    const messageLimitMs = parseDuration(c.messageTimeout);

    // In start order, so the sweep stops at the first one still within its time.
    const pending = new Set<Pending>();
    if (messageLimitMs > 0) {
      node.timers.setInterval(
        () => {
          const now = Date.now();
          for (const p of pending) {
            if (now - p.started < messageLimitMs) break;
            pending.delete(p);
            p.cancel?.();
            p.done(new Error(`the message was not handled within ${c.messageTimeout} (config "messageTimeout"): the code's promise never settled`));
          }
        },
        Math.min(1000, Math.max(10, messageLimitMs / 4)),
      );
    }

    /** Starts tracking one message; `finish` sends its output (or fails it) once, unless its time ran out first. */
    const track = (msg: Message, send: (out: Output) => void, done: Done) => {
      const p: Pending = { started: Date.now(), done };
      if (messageLimitMs > 0) pending.add(p);
      // With no message limit nothing is tracked: a promise that never settles must not keep a record forever.
      const finish = (err: unknown, out?: unknown): void => {
        if (messageLimitMs > 0 && !pending.delete(p)) return lateResult();
        if (err !== undefined) return done(err);
        send(out as Output);
        // Sends the code did not await (a loop of node.send) are awaited for it: the message is done once
        // everything it sent was accepted downstream, so `concurrency` counts held work too.
        if (node.isHeld()) void node.whenSent().then(() => done());
        else done();
      };
      const expired = () => messageLimitMs > 0 && !pending.has(p);
      return { p, finish, expired };
    };

    if (c.isolation === "worker") {
      const runner = new WorkerRunner({
        id: node.id,
        name: node.name,
        where,
        code,
        memoryMb: c.memoryMb,
        // With no `timeout`, a worker that does not yield for a whole `messageTimeout` is still stopped.
        stuckAfterMs: limitMs > 0 ? limitMs : messageLimitMs,
        stuckLimitText: limitMs > 0 ? `${limitMs} ms limit (config "timeout")` : `${c.messageTimeout} limit (config "messageTimeout")`,
        freeze: freezeByDefault(),
        timers: node.timers,
        context: (scope) => (scope === "node" ? node.context : scope === "flow" ? node.flowContext : node.globalContext),
        env: (name) => node.env(name),
        status: (status) => node.status(status),
        log: (level, value) => (level === "warn" ? node.log.warn({ value }, "function warning") : node.log.info({ value }, "function log")),
        send: (out) => node.send(out),
        stopped: (stop, failed) => {
          node.log.warn(`${where}: ${stop.reason}; ${failed} message(s) in it failed; a new worker takes the next message`);
          node.status({ fill: "red", shape: "ring", text: `worker restarted: ${stop.short}` });
        },
        lateResult,
      });
      return {
        input(msg: Message, send, done) {
          const { p, finish } = track(msg, send, done);
          p.cancel = runner.run(msg, finish);
        },
        close: () => runner.close(),
      };
    }

    const api = {
      id: node.id,
      name: node.name,
      log: (text: unknown) => node.log.info({ value: text }, "function log"),
      warn: (text: unknown) => node.log.warn({ value: text }, "function warning"),
      status: node.status,
      // Awaitable: under `block` it resolves once a full queue downstream took the message.
      send: (out: Output) => node.send(out),
      newMessage: node.newMessage,
    };
    const env = (name: string) => node.env(name);
    const runner = new TimedRunner(limitMs, where);
    return {
      input(msg: Message, send, done) {
        const { finish, expired } = track(msg, send, done);
        runner.add({
          msg,
          start() {
            if (expired()) return;
            run(msg, api, node.context, env, node.flowContext, node.globalContext).then((out) => finish(undefined, out), (err: unknown) => finish(err ?? new Error("the code threw undefined")));
          },
          fail: (err) => finish(err),
        });
      },
    };

    function lateResult(): void {
      node.log.warn(`${where}: a message's code finished after its messageTimeout (${c.messageTimeout}); its result was dropped`);
    }
  },
});
