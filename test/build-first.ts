/**
 * Vitest global setup: the runtime and node library are built before any test.
 *
 * Tests that start the real CLI, and flow tests, run the compiled library in
 * `packages/*\/dist`; a stale build would test yesterday's code. `tsc -b` is
 * incremental, so when nothing changed this costs a few seconds.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, "-b", "packages/runtime", "packages/nodes"], { cwd: root, stdio: "pipe" });
  } catch (err) {
    const out = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`the build before the tests failed (tsc -b packages/runtime packages/nodes):\n${String(out.stdout ?? "")}${String(out.stderr ?? "")}`);
  }
}
