// The system flow's contract (system.test.ts) with its store on PostgreSQL.
import { contractsOnPostgres } from "../test/on-postgres.js";

await contractsOnPostgres("system", () => import("./system.test.js"));
