/**
 * A real Mosquitto broker for tests (Debian's `mosquitto` package), on a free
 * port with a throwaway config. `available` is false when the binary is
 * missing; with REQUIRE_SERVICES=1 (CI) that is an error instead of a skip.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort } from "./ports.js";

const BINARY = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].find((p) => existsSync(p));
export const mosquittoAvailable = BINARY !== undefined;
if (!mosquittoAvailable && process.env.REQUIRE_SERVICES === "1") throw new Error("the MQTT tests need mosquitto (apt-get install mosquitto)");

export interface Mosquitto {
  port: number;
  url: string;
  /** Stops the broker: SIGTERM lets it save its persistence file, SIGKILL is a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface MosquittoOptions {
  port?: number;
  /** Keep sessions and queued messages on disk across restarts (saved every second, and on a clean stop). */
  persistence?: boolean;
  /**
   * With persistence: save after every change rather than every second, so a broker killed with SIGKILL
   * loses (almost) nothing it acknowledged. Mosquitto's own default is periodic, which a crash test would
   * see as the broker's loss, not the client's.
   */
  saveEveryChange?: boolean;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  if (!BINARY) throw new Error("mosquitto is not installed");
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "wattflow-mosquitto-"));
  const conf = join(dir, "mosquitto.conf");
  const persistence = options.persistence
    ? ["persistence true", `persistence_location ${dir}/`, "autosave_interval 1", ...(options.saveEveryChange ? ["autosave_on_changes true"] : [])]
    : ["persistence false"];
  // Run as whoever runs the tests: as root, Mosquitto would switch to its own user, which cannot write the temp folder.
  writeFileSync(conf, [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, "allow_anonymous true", ...persistence, "max_queued_messages 1000000", ""].join("\n"));
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    child = spawn(BINARY, ["-c", conf], { stdio: "ignore" });
    await waitForPort(port);
  };
  const stop = async (signal: NodeJS.Signals = "SIGKILL"): Promise<void> => {
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
    url: `mqtt://127.0.0.1:${port}`,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
