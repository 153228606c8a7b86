import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestFlow, type TestFlow } from "@wattflow/runtime/testing";
import exec, { ALLOW_EXEC_ENV } from "./index.js";
import catchNode from "../catch/index.js";

let t: TestFlow | undefined;
const before = process.env[ALLOW_EXEC_ENV];
beforeEach(() => {
  process.env[ALLOW_EXEC_ENV] = "1";
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  if (before === undefined) delete process.env[ALLOW_EXEC_ENV];
  else process.env[ALLOW_EXEC_ENV] = before;
});

const node = process.execPath;
const flow = async (config: Record<string, unknown>) => {
  t = await startTestFlow(
    {
      nodes: [
        { id: "x", type: "exec", config: { command: node, ...config }, wires: [["stdout"], ["stderr"], ["result"]] },
        { id: "stdout", type: "test-collect" },
        { id: "stderr", type: "test-collect" },
        { id: "result", type: "test-collect" },
        { id: "c", type: "catch", wires: [["caught"]] },
        { id: "caught", type: "test-collect" },
      ],
    },
    { nodes: [exec, catchNode] },
  );
  return t;
};
const errors = () => (t?.events ?? []).flatMap((e) => (e.type === "error" ? [e.message] : []));

describe("exec", () => {
  it("is refused unless the runtime allows it, even when the flow's env sets the variable", async () => {
    delete process.env[ALLOW_EXEC_ENV];
    t = await startTestFlow(
      { env: { [ALLOW_EXEC_ENV]: "1" }, nodes: [{ id: "x", type: "exec", config: { command: node } }] },
      { nodes: [exec], env: { [ALLOW_EXEC_ENV]: "1" } },
    );
    expect(errors().join("\n")).toMatch(/exec nodes are off: .* WATTFLOW_ALLOW_EXEC=1/);
  });

  it("passes arguments as they are (no shell) and sends stdout, stderr and the exit code", async () => {
    const script = "process.stdout.write(JSON.stringify(process.argv.slice(1))); process.stderr.write('warn'); process.exit(3)";
    const f = await flow({ args: ["-e", script, "--"], appendPayload: true });
    await f.injectTracked("x", { payload: ["a b", "; echo hacked", "$(id)", 7], topic: "t" });
    expect(JSON.parse(String(f.received("stdout")[0]!.payload))).toEqual(["a b", "; echo hacked", "$(id)", "7"]);
    expect(f.received("stderr")[0]!.payload).toBe("warn");
    expect(f.received("result")[0]).toMatchObject({ topic: "t", payload: { code: 3, signal: null, timedOut: false } });
    await f.injectTracked("x", { payload: { not: "args" } });
    expect(errors()[0]).toMatch(/msg.payload is not a string, a number, or an array of them/);
  });

  it("kills a program past its timeout or its output limit", async () => {
    const slow = await flow({ args: ["-e", "setTimeout(() => {}, 10000)"], timeoutMs: 200 });
    await slow.injectTracked("x", {});
    expect(slow.received("result")[0]!.payload).toMatchObject({ timedOut: true, signal: "SIGTERM" });
    expect(errors()[0]).toMatch(/ran longer than 200 ms \(timeoutMs\) and was killed/);
    await t!.stop();
    const loud = await flow({ args: ["-e", "setInterval(() => process.stdout.write('x'.repeat(10000)), 1)"], maxOutputBytes: 50_000 });
    await loud.injectTracked("x", {});
    expect(String(loud.received("stdout")[0]!.payload).length).toBeLessThanOrEqual(50_000);
    expect(errors()[0]).toMatch(/wrote more than 50000 bytes \(maxOutputBytes\) and was killed/);
  });

  it("refuses a timeout longer than a timer can wait (about 24.8 days), naming the field", async () => {
    await expect(flow({ args: ["-e", "0"], timeoutMs: 2 ** 31 })).rejects.toThrow(/timeoutMs/);
  });

  it("reports a program that cannot start", async () => {
    const f = await flow({ command: "/nonexistent/wattflow-program" });
    await f.injectTracked("x", {});
    expect(errors()[0]).toMatch(/cannot run \/nonexistent\/wattflow-program: .*ENOENT/);
  });
});
