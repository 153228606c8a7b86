import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The built module (vitest's global setup builds dist/), run in a process of its own: the flag is process-wide.
const heapModule = pathToFileURL(fileURLToPath(new URL("../../dist/cli/heap.js", import.meta.url))).href;

/** The young generation's size in MB after a burst of short-lived objects, in a fresh process. */
async function youngGenerationMb(nodeArgs: string[]): Promise<number> {
  const script = `import { keepYoungGenerationSmall } from ${JSON.stringify(heapModule)};
keepYoungGenerationSmall();
const { getHeapSpaceStatistics } = await import("node:v8");
let live = [];
for (let i = 0; i < 3e6; i++) { live.push({ i, a: [i] }); if (live.length > 1000) live = []; }
process.stdout.write(String(getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1048576));`;
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeArgs, "--input-type=module", "-e", script], { env: { ...process.env, NODE_OPTIONS: "" } });
  return Number(stdout);
}

describe("keepYoungGenerationSmall", () => {
  it("keeps the young generation at its starting size under allocation, unless the operator sized it", async () => {
    expect(await youngGenerationMb([])).toBeLessThanOrEqual(2);
    // The operator's own setting wins: here the default growth, which the same burst grows past that.
    expect(await youngGenerationMb(["--semi-space-growth-factor=2"])).toBeGreaterThan(2);
  });
});
