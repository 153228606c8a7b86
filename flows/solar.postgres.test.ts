// The solar flow's contract (solar.test.ts) with its store on PostgreSQL: calendar statistics by SQL buckets.
import { contractsOnPostgres } from "../test/on-postgres.js";

await contractsOnPostgres("solar", () => import("./solar.test.js"));
