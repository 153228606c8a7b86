/**
 * Runs a shipped flow's contract test file again with the runtime's store on
 * PostgreSQL (a throwaway cluster; each runtime the file starts gets a
 * database of its own through WATTFLOW_TEST_STORE, read by shipped-flow.ts).
 * Skipped, saying why, where PostgreSQL is not installed (an error in CI:
 * REQUIRE_SERVICES=1).
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { postgresAvailable, startPostgres, type Postgres } from "./services/postgres.js";

export async function contractsOnPostgres(flow: string, load: () => Promise<unknown>): Promise<void> {
  if (!postgresAvailable) {
    describe.skipIf(!postgresAvailable)(`${flow} on PostgreSQL (PostgreSQL server binaries not found; apt-get install postgresql)`, () => {
      it("needs PostgreSQL", () => undefined);
    });
    return;
  }
  let pg: Postgres | undefined;
  // Registered before the file's own hooks, so its runtime starts on PostgreSQL and stops before the server does.
  beforeAll(async () => {
    pg = await startPostgres();
    process.env.WATTFLOW_TEST_STORE = pg.url;
  }, 60_000);
  afterAll(async () => {
    delete process.env.WATTFLOW_TEST_STORE;
    await pg?.stop();
  });
  await load();
}
