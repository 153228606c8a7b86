import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startRuntime, type RunningRuntime } from "../../../runtime/src/start.js";

let rt: RunningRuntime | undefined;
let root: string | undefined;
afterEach(async () => {
  await rt?.stop();
  rt = undefined;
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

const flow = (code: string) => ({
  format: "wattflow/flow@1",
  id: "dash",
  nodes: [
    { id: "page", type: "http-file", config: { path: "/dash/", file: "dash/page.html" } },
    { id: "in", type: "http-in", config: { path: "/double/" }, wires: [["double"]] },
    { id: "double", type: "function", config: { file: code }, wires: [["out"]] },
    { id: "out", type: "http-response" },
  ],
});

async function start(): Promise<{ flows: string; http: string }> {
  root = mkdtempSync(join(tmpdir(), "wattflow-http-file-"));
  const flows = join(root, "flows");
  mkdirSync(join(flows, "dash"), { recursive: true });
  writeFileSync(join(flows, "dash", "page.html"), "<!DOCTYPE html><title>one</title>");
  writeFileSync(join(flows, "dash", "double.js"), "const n = Number(msg.req.query.n);\nreturn { ...msg, payload: { n: n * 2 } };\n");
  writeFileSync(join(flows, "dash.json"), JSON.stringify(flow("dash/double.js")));
  rt = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "data"), flowsDir: flows, logger: pino({ level: "silent" }) });
  return { flows, http: rt.httpUrl };
}

describe("files next to the flow", () => {
  it("serves the page with its content type and serves an edited page without a redeploy", async () => {
    const { flows, http } = await start();
    const first = await fetch(new URL("/dash/", http));
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await first.text()).toBe("<!DOCTYPE html><title>one</title>");
    writeFileSync(join(flows, "dash", "page.html"), "<!DOCTYPE html><title>two, longer</title>");
    expect(await (await fetch(new URL("/dash/", http))).text()).toBe("<!DOCTYPE html><title>two, longer</title>");
  });

  it("runs a function body from its file, and a redeploy picks up the changed file", async () => {
    const { flows, http } = await start();
    expect(await (await fetch(new URL("/double/?n=21", http))).json()).toEqual({ n: 42 });
    writeFileSync(join(flows, "dash", "double.js"), "return { ...msg, payload: { n: Number(msg.req.query.n) * 3 } };\n");
    const outcome = await rt!.manager.deploy({ flowId: "dash", flow: flow("dash/double.js") });
    expect(outcome.ok).toBe(true);
    expect(await (await fetch(new URL("/double/?n=21", http))).json()).toEqual({ n: 63 });
  });

  it("refuses a flow whose file is missing, naming the node and the field", async () => {
    await start();
    const outcome = await rt!.manager.deploy({ flowId: "dash", flow: flow("dash/missing.js") });
    expect(outcome.ok).toBe(false);
    if (outcome.ok || outcome.kind !== "validation") throw new Error("expected a validation error");
    expect(outcome.errors).toContainEqual(expect.objectContaining({ nodeId: "double", pointer: "/nodes/2/config/file", message: expect.stringMatching(/cannot read "dash\/missing\.js".*ENOENT/) }));
    const escape = await rt!.manager.deploy({ flowId: "dash", flow: flow("../outside.js") });
    expect(escape.ok).toBe(false);
  });
});

describe("a flow's folder on disk", () => {
  it("redeploys the flow when a code file in its folder changes, restarting the function that names it", async () => {
    const { flows, http } = await start();
    expect(await (await fetch(new URL("/double/?n=5", http))).json()).toEqual({ n: 10 });
    writeFileSync(join(flows, "dash", "double.js"), "return { ...msg, payload: { n: Number(msg.req.query.n) * 4 } };\n");
    const end = Date.now() + 5000;
    let body: unknown;
    do {
      await new Promise((r) => setTimeout(r, 50));
      body = await (await fetch(new URL("/double/?n=5", http))).json();
    } while (JSON.stringify(body) !== JSON.stringify({ n: 20 }) && Date.now() < end);
    expect(body).toEqual({ n: 20 });
    expect(rt!.manager.list()[0]).toMatchObject({ id: "dash", revision: 1, state: "running" });
  });
});
