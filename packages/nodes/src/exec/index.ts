import { spawn, type ChildProcess } from "node:child_process";
import { defineNode, MAX_TIMER_MS, Type, type Message } from "@wattflow/runtime";
import { readDocs } from "../shared/docs.js";

/** The runtime setting that allows exec nodes: read from the process environment only, so a flow cannot enable it. */
export const ALLOW_EXEC_ENV = "WATTFLOW_ALLOW_EXEC";

export interface ExecResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
}

/** The extra arguments a message brings: a string or number, or an array of them. */
function payloadArgs(payload: unknown): string[] | string {
  const one = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined);
  if (Array.isArray(payload)) {
    const out: string[] = [];
    for (const [i, v] of payload.entries()) {
      const s = one(v);
      if (s === undefined) return `msg.payload[${i}] is not a string or number`;
      out.push(s);
    }
    return out;
  }
  const s = one(payload);
  return s === undefined ? "msg.payload is not a string, a number, or an array of them" : [s];
}

export default defineNode({
  type: "exec",
  category: "function",
  summary: "Runs a program with an argument list (no shell) and sends its output and exit code; off unless the runtime allows it.",
  get docs() {
    return readDocs(import.meta.url);
  },
  config: Type.Object({
    command: Type.String({ minLength: 1, description: "program to run (a path, or a name looked up in PATH); never run through a shell" }),
    args: Type.Array(Type.String(), { default: [], description: "arguments, each passed as it is" }),
    appendPayload: Type.Boolean({ default: false, description: "append msg.payload (a string, number, or array of them) to the arguments" }),
    // Node's timers hold at most MAX_TIMER_MS (about 24.8 days); a longer one would fire at once.
    timeoutMs: Type.Integer({ minimum: 1, maximum: MAX_TIMER_MS, default: 10_000, description: "the program is killed after this long" }),
    maxOutputBytes: Type.Integer({ minimum: 1, default: 1_048_576, description: "stdout and stderr together; more kills the program" }),
  }),
  inputs: 1,
  outputs: ["stdout", "stderr", "result"],
  // A burst of messages must not start hundreds of processes; the rest wait in the node's queue.
  concurrency: 4,
  create(node, c) {
    if (process.env[ALLOW_EXEC_ENV] !== "1") {
      throw new Error(`exec nodes are off: running programs from a flow must be allowed by starting the runtime with ${ALLOW_EXEC_ENV}=1`);
    }
    const running = new Set<ChildProcess>();

    const run = (args: string[]): Promise<{ stdout: Buffer; stderr: Buffer; result: ExecResult; overflow: boolean }> =>
      new Promise((resolve, reject) => {
        const child = spawn(c.command, args, { shell: false, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
        running.add(child);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let bytes = 0;
        let timedOut = false;
        let overflow = false;
        const kill = (): void => {
          child.kill("SIGTERM");
          // A program that ignores SIGTERM is killed for good shortly after.
          setTimeout(() => child.kill("SIGKILL"), 2000).unref();
        };
        const timer = setTimeout(() => ((timedOut = true), kill()), c.timeoutMs);
        const collect = (into: Buffer[]) => (chunk: Buffer) => {
          if (overflow) return;
          bytes += chunk.length;
          if (bytes > c.maxOutputBytes) {
            overflow = true;
            return kill();
          }
          into.push(chunk);
        };
        child.stdout!.on("data", collect(out));
        child.stderr!.on("data", collect(err));
        child.once("error", (e) => {
          clearTimeout(timer);
          running.delete(child);
          reject(e);
        });
        child.once("close", (code, signal) => {
          clearTimeout(timer);
          running.delete(child);
          resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), result: { code, signal, timedOut }, overflow });
        });
      });

    return {
      async input(msg, send, done) {
        let args = c.args;
        if (c.appendPayload) {
          const extra = payloadArgs(msg.payload);
          if (typeof extra === "string") return done(new Error(`${extra}; appendPayload needs arguments`));
          args = [...args, ...extra];
        }
        let r: Awaited<ReturnType<typeof run>>;
        try {
          r = await run(args);
        } catch (e) {
          return done(new Error(`cannot run ${c.command}: ${e instanceof Error ? e.message : String(e)}`));
        }
        const outputs: (Message | null)[] = [
          r.stdout.length > 0 ? { ...msg, payload: r.stdout.toString("utf8") } : null,
          r.stderr.length > 0 ? { ...msg, payload: r.stderr.toString("utf8") } : null,
          { ...msg, payload: r.result },
        ];
        send(outputs);
        if (r.overflow) return done(new Error(`${c.command} wrote more than ${c.maxOutputBytes} bytes (maxOutputBytes) and was killed`));
        if (r.result.timedOut) return done(new Error(`${c.command} ran longer than ${c.timeoutMs} ms (timeoutMs) and was killed`));
        done();
      },
      close() {
        for (const child of running) child.kill("SIGKILL");
      },
    };
  },
});
