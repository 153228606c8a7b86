// Starts a throwaway Mosquitto (Debian's `mosquitto`) on loopback for the MQTT ingest benchmark.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { freePort } from "./ports.mjs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

const BINARY = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].find((p) => existsSync(p));

const listening = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

/** null when mosquitto is not installed. */
export async function startMosquitto() {
  if (!BINARY) return null;
  const dir = mkdtempSync(join(tmpdir(), "wattflow-bench-mosquitto-"));
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  // Queues unbounded so a backlog of the whole run waits for its subscriber; as root, Mosquitto would switch users.
  writeFileSync(conf, [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "max_queued_messages 0", "max_queued_bytes 0", ""].join("\n"));
  const child = spawn(BINARY, ["-c", conf], { stdio: "ignore" });
  // A bench that fails or exits early must not leave the broker behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  for (let i = 0; i < 100 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 50));
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      process.off("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
