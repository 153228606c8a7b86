// Starts a throwaway PostgreSQL cluster (Debian's `postgresql` binaries) on loopback for the scale benchmark:
// initdb in a temporary folder, the server as the `postgres` user when we are root (PostgreSQL refuses root).
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./ports.mjs";

function binDir() {
  const root = "/usr/lib/postgresql";
  const ok = (d) => existsSync(join(d, "initdb")) && existsSync(join(d, "postgres"));
  if (process.env.PG_BIN && ok(process.env.PG_BIN)) return process.env.PG_BIN;
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, "bin")).find(ok);
}

const chownTree = (path, id) => {
  chownSync(path, id.uid, id.gid);
  for (const e of readdirSync(path, { withFileTypes: true })) e.isDirectory() ? chownTree(join(path, e.name), id) : chownSync(join(path, e.name), id.uid, id.gid);
};

/** A running cluster with one database, or null when PostgreSQL is not installed. */
export async function startPostgres() {
  const bin = binDir();
  if (!bin) return null;
  const id = process.getuid?.() === 0 ? { uid: Number(execFileSync("id", ["-u", "postgres"]).toString()), gid: Number(execFileSync("id", ["-g", "postgres"]).toString()) } : undefined;
  const dir = mkdtempSync(join(tmpdir(), "wattflow-bench-pg-"));
  let child = null;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (id) chownTree(dir, id);
    execFileSync(join(bin, "initdb"), ["-D", join(dir, "data"), "-U", "wattflow", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], { stdio: "ignore", ...(id ?? {}) });
    const port = await freePort();
    // Durable storage (fsync on); commits not waited for, like the SQLite store's WAL with synchronous=NORMAL.
    child = spawn(join(bin, "postgres"), ["-D", join(dir, "data"), "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "synchronous_commit=off"], { stdio: "ignore", ...(id ?? {}) });
    const killOnExit = () => child?.kill("SIGKILL");
    process.on("exit", killOnExit);
    const admin = `postgres://wattflow@127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const c = new pg.Client({ connectionString: `${admin}/postgres` });
      try {
        await c.connect();
        await c.query("CREATE DATABASE bench");
        await c.end();
        break;
      } catch (err) {
        await c.end().catch(() => undefined);
        if (i > 200) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { url: `${admin}/bench`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
