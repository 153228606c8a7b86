/**
 * Links into other flows (`flow/node`) are checked when a flow is deployed:
 * a missing flow or node is refused naming the flow, the node, the field and
 * the target; flows that link to each other start in any file order.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { startRuntime, type RunningRuntime } from "../start.js";
import { compiled, doc } from "./__fixtures__/registry.js";
import { crossFlowProblems } from "./cross-flow.js";
import { formatIssue } from "./compile.js";
import { until } from "../testing/index.js";

describe("crossFlowProblems", () => {
  const grid = new Map([
    ["in", { takesInput: true }],
    ["tick", { takesInput: false }],
  ]);
  const lookup = (id: string) => (id === "grid" ? grid : undefined);

  it("names the flow, the node, the field and what is missing", () => {
    const flow = compiled(
      doc([
        { id: "out", type: "link-out", config: { links: ["grid/in", "grid/gone", "meters/in", "grid/tick", "solar/sink"] } },
        { id: "poll", type: "poll", config: {}, wires: [["sink", "grid/nope"]] },
        { id: "sink", type: "sink", config: {} },
      ]),
    );
    expect(crossFlowProblems(flow, lookup).map(formatIssue)).toEqual([
      'solar/out /nodes/0/config/links/1: links to "grid/gone", but flow "grid" has no node "gone"',
      'solar/out /nodes/0/config/links/2: links to "meters/in", but there is no flow "meters"',
      'solar/out /nodes/0/config/links/3: links to "grid/tick", but "tick" in flow "grid" takes no input',
      'solar/poll /nodes/1/wires/0/1: links to "grid/nope", but flow "grid" has no node "nope"',
    ]);
  });
});

describe("deploying flows that link to each other", () => {
  let rt: RunningRuntime | undefined;
  let root: string | undefined;
  afterEach(async () => {
    await rt?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
    rt = undefined;
  });

  it("starts flows whose link targets are in files loaded after them, and refuses a link to a flow that is gone", async () => {
    root = mkdtempSync(join(tmpdir(), "wattflow-links-"));
    const flowsDir = join(root, "flows");
    mkdirSync(flowsDir);
    // "a" sorts before "b": at startup a's link points at a flow that has not started yet.
    writeFileSync(join(flowsDir, "a.json"), JSON.stringify({ format: "wattflow/flow@1", id: "a", nodes: [{ id: "send", type: "link-out", config: { links: ["b/in"] } }] }));
    writeFileSync(join(flowsDir, "b.json"), JSON.stringify({ format: "wattflow/flow@1", id: "b", nodes: [{ id: "in", type: "link-in", config: {} }] }));
    rt = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "data"), flowsDir, logger: pino({ level: "silent" }) });
    await until(() => rt!.engine.flowIds().length === 2);
    expect(rt.manager.list().map((f) => [f.id, f.state])).toEqual([
      ["a", "running"],
      ["b", "running"],
    ]);

    // Two new files that link to each other: whichever is loaded first finds the other's file.
    const link = (id: string, to: string) => ({ format: "wattflow/flow@1", id, nodes: [{ id: "in", type: "link-in", config: {} }, { id: "send", type: "link-out", config: { links: [`${to}/in`] } }] });
    writeFileSync(join(flowsDir, "d.json"), JSON.stringify(link("d", "e")));
    writeFileSync(join(flowsDir, "e.json"), JSON.stringify(link("e", "d")));
    await until(() => rt!.manager.list().filter((f) => ["d", "e"].includes(f.id) && f.state === "running").length === 2, 10_000, "d and e running");

    const res = await fetch(new URL("/api/flows/c", rt.adminUrl), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ flow: { format: "wattflow/flow@1", id: "c", nodes: [{ id: "send", type: "link-out", config: { links: ["b/in", "z/in"] } }] } }),
    });
    const body = (await res.json()) as { errors?: { flowId: string; nodeId: string; pointer: string; message: string }[] };
    expect(res.status).toBe(400);
    expect(body.errors).toHaveLength(1);
    expect(body.errors).toMatchObject([{ flowId: "c", nodeId: "send", pointer: "/nodes/0/config/links/1", message: 'links to "z/in", but there is no flow "z"' }]);
  });
  it("deploys two new flows that link to each other in one batch, all or none (the editor's Deploy all)", async () => {
    root = mkdtempSync(join(tmpdir(), "wattflow-links-"));
    const flowsDir = join(root, "flows");
    mkdirSync(flowsDir);
    rt = await startRuntime({ port: 0, host: "127.0.0.1", httpPort: 0, httpHost: "127.0.0.1", dataDir: join(root, "data"), flowsDir, logger: pino({ level: "silent" }) });
    const link = (id: string, to: string) => ({ format: "wattflow/flow@1", id, nodes: [{ id: "in", type: "link-in", config: {} }, { id: "send", type: "link-out", config: { links: [`${to}/in`] } }] });
    const call = async (method: string, path: string, body: unknown) => {
      const res = await fetch(new URL(path, rt!.adminUrl), { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { ok?: boolean; errors?: { flowId?: string; message: string }[]; results?: { flowId: string; revision: number }[]; conflicts?: unknown[] } };
    };
    const [p, q] = [link("p", "q"), link("q", "p")];
    // Alone, p's link names a flow that does not exist; checked with q as its companion, it is fine.
    expect((await call("POST", "/api/flows", { flow: p })).body.errors?.map((e) => e.message)).toEqual(['links to "q/in", but there is no flow "q"']);
    expect((await call("POST", "/api/flows/p/validate", { flow: p, companions: [q] })).body).toMatchObject({ ok: true, errors: [] });
    // One flow of the batch is refused: nothing is deployed, so p does not run with a link into nothing.
    const refused = await call("POST", "/api/flows/batch", { flows: [{ flow: p }, { flow: { ...q, nodes: [...q.nodes, { id: "bad", type: "no-such-type", config: {} }] } }] });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.map((e) => e.flowId)).toEqual(["q"]);
    expect(rt.manager.list()).toEqual([]);
    // A stale revision anywhere in the batch: 409, nothing deployed.
    expect((await call("POST", "/api/flows/batch", { flows: [{ flow: p, expectedRevision: 0 }, { flow: q, expectedRevision: 3 }] })).status).toBe(409);
    expect(rt.manager.list()).toEqual([]);
    const deployed = await call("POST", "/api/flows/batch", { flows: [{ flow: p, expectedRevision: 0 }, { flow: q, expectedRevision: 0 }] });
    expect(deployed.status).toBe(200);
    expect(deployed.body.results?.map((r) => [r.flowId, r.revision])).toEqual([
      ["p", 1],
      ["q", 1],
    ]);
    expect(rt.manager.list().map((f) => [f.id, f.state])).toEqual([
      ["p", "running"],
      ["q", "running"],
    ]);
  });
});
