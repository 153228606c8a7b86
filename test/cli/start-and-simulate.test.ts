/**
 * `wattflow start` and `wattflow simulate` as a user runs them: the real CLI
 * (built dist/) as its own process, talked to over HTTP, stopped by a signal.
 * Every process is stopped in `finally`, whatever the test's outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRuntime, killNow, repoRoot, spawnRuntime, wattflowBin, type SpawnedRuntime } from "../services/runtime-process.js";
import { cleanEnv, run } from "../plugins/processes.js";

const root = mkdtempSync(join(tmpdir(), "wattflow-cli-process-"));

beforeAll(async () => {
  await buildRuntime();
}, 200_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const json = async <T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T };
};

/** Sends SIGTERM and resolves with the exit code; SIGKILL after 10 s so a hung stop still ends. */
async function terminate(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  child.kill("SIGTERM");
  const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    return await exited;
  } finally {
    clearTimeout(force);
  }
}

describe("wattflow start", () => {
  it("runs the flows of a folder (the shipped demo and an HTTP flow), answers on both ports, and stops cleanly on SIGTERM", async () => {
    const dir = join(root, "start");
    const flows = join(dir, "flows");
    mkdirSync(flows, { recursive: true });
    copyFileSync(join(repoRoot, "flows/demo.json"), join(flows, "demo.json"));
    writeFileSync(
      join(flows, "hello.json"),
      JSON.stringify({
        format: "wattflow/flow@1",
        id: "hello",
        nodes: [
          { id: "in", type: "http-in", config: { method: "GET", path: "/hello/" }, wires: [["greet"]] },
          { id: "greet", type: "change", config: { rules: [{ action: "set", path: "payload", value: { greeting: "hi" }, valueType: "json" }, { action: "set", path: "payload.site", value: "SITE", valueType: "env" }] }, wires: [["out"]] },
          { id: "out", type: "http-response", config: {} },
        ],
      }),
    );
    let rt: SpawnedRuntime | undefined;
    try {
      rt = await spawnRuntime([process.execPath, wattflowBin, "start", "--flows", flows, "--data", join(dir, "data")], { cwd: dir, env: cleanEnv({ SITE: "lab" }) });
      expect(rt.output()).toMatch(/Wattflow ready in \d+ ms/);

      const listed = await json<{ id: string; state: string }[]>(`${rt.admin}/api/flows`);
      expect(listed.status).toBe(200);
      expect(listed.body.map((f) => [f.id, f.state]).sort()).toEqual([["demo", "running"], ["hello", "running"]]);
      // The flow endpoints answer on their own port, with the environment of the process.
      expect(await json(`${rt.http}/hello/`)).toEqual({ status: 200, body: { greeting: "hi", site: "lab" } });
      expect((await fetch(`${rt.http}/nowhere/`)).status).toBe(404);
      // The demo's heartbeat fired at start and reached its debug node.
      const stats = async () => (await json<{ flowId: string; nodeId: string; received: number }[]>(`${rt!.admin}/api/stats`)).body;
      for (const end = Date.now() + 10_000; !(await stats()).some((s) => s.flowId === "demo" && s.nodeId === "show" && s.received >= 1); ) {
        if (Date.now() > end) throw new Error(`the demo heartbeat never reached its debug node:\n${rt.output().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // The SQLite store lives in --data.
      expect(existsSync(join(dir, "data", "wattflow.db"))).toBe(true);

      expect(await terminate(rt.child, rt.exited)).toBe(0);
      expect(rt.output()).toContain("SIGTERM: stopping");
    } finally {
      if (rt) await killNow(rt.child);
    }
  }, 60_000);

  it("refuses a bad option with its reason, exit 1, before starting anything", async () => {
    const res = await run(process.execPath, [wattflowBin, "start", "--port", "eighty"], root, 30_000);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('"eighty" is not a port number');
  });
});

describe("wattflow simulate", () => {
  it("lists the installed simulators, and names them when asked for one that is not there", async () => {
    const list = await run(process.execPath, [wattflowBin, "simulate"], root, 30_000);
    expect(list.code).toBe(0);
    const names = list.stdout.trim().split("\n").map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(expect.arrayContaining(["epever", "home-assistant", "heatpump"]));
    const missing = await run(process.execPath, [wattflowBin, "simulate", "nope"], root, 30_000);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no simulator "nope" \(installed: .*home-assistant/);
  });

  it("runs the Home Assistant simulator with the options given, serves its REST API, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [wattflowBin, "simulate", "home-assistant", "--port", "0", "--token", "cli-test-token", "--entity", "sensor.cli_power"], {
      cwd: root,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    try {
      let url: string | undefined;
      for (const end = Date.now() + 20_000; !(url = /simulator running at (http:\/\/\S+)/.exec(out)?.[1]); ) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`the simulator did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toContain("(entity sensor.cli_power, token cli-test-token)");
      const auth = { headers: { authorization: "Bearer cli-test-token" } };
      const state = await json<{ entity_id: string; state: string; attributes: { unit_of_measurement?: string } }>(`${url}/api/states/sensor.cli_power`, auth);
      expect(state.status).toBe(200);
      expect(state.body.entity_id).toBe("sensor.cli_power");
      expect(Number.isFinite(Number(state.body.state))).toBe(true);
      expect((await fetch(`${url}/api/states/sensor.cli_power`)).status).toBe(401);
      expect((await fetch(`${url}/api/states/sensor.other`, auth)).status).toBe(404);
      expect(await terminate(child, exited)).toBe(0);
    } finally {
      await killNow(child);
    }
  }, 40_000);
});
