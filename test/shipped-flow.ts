/**
 * Runs one shipped flow file for a contract test: the real runtime, in a
 * throwaway folder, with the test's environment variables set while it runs.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import pino from "pino";
import { startRuntime, type RunningRuntime } from "../packages/runtime/src/start.js";
import { copyShippedFlow } from "./copy-flow.js";

export { copyShippedFlow };

export interface ShippedFlow {
  rt: RunningRuntime;
  /** Base URL of the flow endpoints. */
  http: string;
  /** Stops the runtime, unsets the environment and removes the folder. */
  stop(): Promise<void>;
}

let stores = 0;

/**
 * The store a contract test runs on: SQLite in the throwaway folder, or with
 * WATTFLOW_TEST_STORE=postgres://… a database of its own on that server (so
 * the same contracts check both backends, and runtimes of different flows do
 * not share a database, which would make them one cluster).
 */
export async function testStore(): Promise<{ store: string; instance: string } | undefined> {
  const url = process.env.WATTFLOW_TEST_STORE;
  if (!url) return undefined;
  const name = `flow_${process.pid}_${++stores}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const own = new URL(url);
  own.pathname = `/${name}`;
  return { store: own.toString(), instance: name };
}

export async function startShippedFlow(flowFile: URL, env: Record<string, string>): Promise<ShippedFlow> {
  const name = basename(fileURLToPath(flowFile));
  const root = mkdtempSync(join(tmpdir(), `wattflow-${name.replace(/\.json$/, "")}-`));
  mkdirSync(join(root, "flows"));
  copyShippedFlow(flowFile, join(root, "flows"));
  Object.assign(process.env, env);
  const store = await testStore();
  const rt = await startRuntime({
    port: 0,
    host: "127.0.0.1",
    httpPort: 0,
    httpHost: "127.0.0.1",
    dataDir: join(root, "data"),
    ...(store ?? {}),
    flowsDir: join(root, "flows"),
    logger: pino({ level: "silent" }),
  });
  return {
    rt,
    http: rt.httpUrl,
    async stop() {
      await rt.stop();
      for (const k of Object.keys(env)) delete process.env[k];
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export { until } from "../packages/runtime/src/testing/index.js";
