import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources directly; no build needed.
    alias: [
      { find: /^@wattflow\/runtime$/, replacement: here("./packages/runtime/src/index.ts") },
      { find: /^@wattflow\/runtime\/testing$/, replacement: here("./packages/runtime/src/testing/index.ts") },
      { find: /^@wattflow\/nodes$/, replacement: here("./packages/nodes/src/index.ts") },
    ],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "plugins/*/src/**/*.test.ts", "editor/src/**/*.test.ts", "editor/e2e/**/*.test.ts", "flows/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    // Kills and reports any process a test left running (brokers, databases, runtimes, browsers).
    // Builds the library the CLI and flow tests run (dist) first, so no test runs a stale build.
    globalSetup: ["./test/build-first.ts", "./test/process-guard.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    env: { NODE_ENV: "test" },
  },
});
