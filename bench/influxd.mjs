// Starts a throwaway InfluxDB 1.x (`influxd` from Debian) on loopback for the store benchmark.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "./ports.mjs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function startInflux() {
  if (spawnSync("sh", ["-c", "command -v influxd"]).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), "wattflow-influxd-"));
  const [http, rpc] = [await freePort(), await freePort()];
  const conf = join(dir, "influxdb.conf");
  writeFileSync(
    conf,
    `reporting-disabled = true\nbind-address = "127.0.0.1:${rpc}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false\n[http]\n  bind-address = "127.0.0.1:${http}"\n  log-enabled = false\n  max-body-size = 0\n[monitor]\n  store-enabled = false\n`,
  );
  const child = spawn("influxd", ["-config", conf], { stdio: "ignore" });
  // A bench that fails or exits early must not leave the server behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  const base = `http://127.0.0.1:${http}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/ping`)).status === 204) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    async write(db, body) {
      const res = await fetch(`${base}/write?db=${db}&precision=ms`, { method: "POST", body });
      if (res.status !== 204) throw new Error(`influx write ${res.status}: ${await res.text()}`);
    },
    async query(q, db) {
      const res = await fetch(`${base}/query?${db ? `db=${db}&` : ""}q=${encodeURIComponent(q)}`, { method: "POST" });
      const body = await res.json();
      if (res.status !== 200 || body.results?.[0]?.error) throw new Error(`influx query failed: ${JSON.stringify(body)}`);
      return body;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        // influxd can take a while to flush; it is a throwaway, so it is killed rather than left running.
        const force = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(force);
      }
      process.off("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
