import { defineConfig } from "vitest/config";

// The packaging test installs the packed tarballs from the npm cache and builds the SQLite binding:
// over a minute, so it runs on its own (`npm run test:pack`), not in `npm test`.
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/pack/**/*.pack.ts"],
    environment: "node",
    globalSetup: ["./test/process-guard.ts"],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: "forks",
    env: { NODE_ENV: "test" },
  },
});
