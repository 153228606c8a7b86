// The demo flow's contract (demo.test.ts) with its store on PostgreSQL.
import { contractsOnPostgres } from "../test/on-postgres.js";

await contractsOnPostgres("demo", () => import("./demo.test.js"));
