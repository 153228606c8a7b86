/**
 * A throwaway PostgreSQL cluster for tests (Debian's `postgresql` package):
 * `initdb` in a temporary folder, the server on a free loopback port with its
 * Unix socket in that folder, a database created for the caller. PostgreSQL
 * refuses to run as root, so as root the cluster runs as the `postgres` user
 * the package creates (the folder is handed to it). `available` is false when
 * the binaries are missing; with REQUIRE_SERVICES=1 (CI) that is an error
 * instead of a skip.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./ports.js";

/** The newest `/usr/lib/postgresql/<version>/bin` with a server in it, or PG_BIN, or the folder of `initdb` on PATH. */
function findBinDir(): string | undefined {
  const has = (dir: string): boolean => existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"));
  if (process.env.PG_BIN && has(process.env.PG_BIN)) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(root, v, "bin"))) return join(root, v, "bin");
  }
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && has(dir)) return dir;
  return undefined;
}

const BIN = findBinDir();
export const postgresAvailable = BIN !== undefined;
if (!postgresAvailable && process.env.REQUIRE_SERVICES === "1") throw new Error("the PostgreSQL tests need PostgreSQL's server binaries (apt-get install postgresql)");

export interface Postgres {
  port: number;
  /** The Unix socket folder. */
  socketDir: string;
  /** Connection string of the database created at start. */
  url: string;
  /** Creates another empty database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (SIGINT: a fast, clean shutdown) and removes every file of the cluster. */
  stop(): Promise<void>;
}

const USER = "wattflow";

/** The uid and gid of the `postgres` OS user, when we are root (PostgreSQL will not run as root). */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new Error("running as root, and there is no `postgres` user to run PostgreSQL as (PostgreSQL refuses root); install Debian's postgresql package, which creates it");
  }
}

function chownTree(path: string, id: { uid: number; gid: number }): void {
  chownSync(path, id.uid, id.gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) chownTree(p, id);
    else chownSync(p, id.uid, id.gid);
  }
}

function run(bin: string, args: string[], id: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], ...(id ?? {}) });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(" ")} exited with ${code}:\n${out.slice(-2000)}`))));
  });
}

async function waitUntilReady(port: number, child: ChildProcess, log: () => string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode} before it was ready:\n${log().slice(-2000)}`);
    const client = new pg.Client({ host: "127.0.0.1", port, user: USER, database: "postgres" });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > end) throw new Error(`postgres did not accept connections on port ${port} within ${timeoutMs} ms:\n${log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Servers of this process still running: stopped if the process exits without calling stop(). */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startPostgres(options: { database?: string } = {}): Promise<Postgres> {
  if (!BIN) throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
  const id = serverIdentity();
  const dir = mkdtempSync(join(tmpdir(), "wattflow-postgres-"));
  const data = join(dir, "data");
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (c && c.exitCode === null && c.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => c.kill("SIGKILL"), 10_000);
        c.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        c.kill("SIGINT");
      });
    }
    if (c) running.delete(c);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (id) chownTree(dir, id);
    await run(join(BIN, "initdb"), ["-D", data, "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], id);
    const port = await freePort();
    let log = "";
    // Durability settings off: a test cluster is thrown away, and fsyncs would dominate the run time.
    child = spawn(
      join(BIN, "postgres"),
      ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"],
      { stdio: ["ignore", "pipe", "pipe"], ...(id ?? {}) },
    );
    running.add(child);
    child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
    await waitUntilReady(port, child, () => log);
    const admin = `postgres://${USER}@127.0.0.1:${port}`;
    const createDatabase = async (name: string): Promise<string> => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}": use lower-case letters, digits and _`);
      const client = new pg.Client({ connectionString: `${admin}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `${admin}/${name}`;
    };
    const url = await createDatabase(options.database ?? "wattflow_test");
    return { port, socketDir: dir, url, createDatabase, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
