/**
 * A real InfluxDB 1.x (`influxd` from Debian's `influxdb` package) for tests,
 * in a temporary folder on free ports. It speaks the v1 HTTP API (/write,
 * /query, /ping). With REQUIRE_SERVICES=1 a missing binary is an error.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort } from "./ports.js";

const BINARY = ["/usr/bin/influxd", "/usr/sbin/influxd"].find((p) => existsSync(p));
export const influxdAvailable = BINARY !== undefined;
if (!influxdAvailable && process.env.REQUIRE_SERVICES === "1") throw new Error("the InfluxDB tests need influxd (apt-get install influxdb)");

export interface Influxd {
  port: number;
  url: string;
  /** Runs an InfluxQL statement through /query and returns the parsed JSON. */
  query(db: string, q: string): Promise<InfluxQueryResult>;
  /** Stops the server: SIGTERM (default) is a clean stop, SIGKILL a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface InfluxQueryResult {
  results: { statement_id: number; error?: string; series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[] }[];
}

export async function startInfluxd(): Promise<Influxd> {
  if (!BINARY) throw new Error("influxd is not installed");
  const port = await freePort();
  const bindPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "wattflow-influxd-"));
  const conf = join(dir, "influxdb.conf");
  writeFileSync(
    conf,
    [
      "reporting-disabled = true",
      `bind-address = "127.0.0.1:${bindPort}"`,
      "[meta]",
      `  dir = "${join(dir, "meta")}"`,
      "[data]",
      `  dir = "${join(dir, "data")}"`,
      `  wal-dir = "${join(dir, "wal")}"`,
      '  query-log-enabled = false',
      "[http]",
      `  bind-address = "127.0.0.1:${port}"`,
      "  log-enabled = false",
      "[monitor]",
      "  store-enabled = false",
      "",
    ].join("\n"),
  );
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    child = spawn(BINARY, ["-config", conf], { stdio: "ignore" });
    await waitForPort(port, 20_000);
    // The port opens a little before the HTTP service answers.
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${url}/ping`).then((r) => r.status === 204, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("influxd did not answer /ping");
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill(signal);
    });
  };
  await start();
  return {
    port,
    url,
    async query(db, q) {
      const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`, { method: "POST" });
      return (await res.json()) as InfluxQueryResult;
    },
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
