import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeBackend } from "../../../../test/store-backend-suite.js";
import { openStore } from "./index.js";

const dirs: string[] = [];

describeBackend({
  name: "sqlite",
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), "wattflow-backend-"));
    dirs.push(dir);
    return { open: async () => openStore({ dataDir: dir }) };
  },
  async cleanup() {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  },
});
