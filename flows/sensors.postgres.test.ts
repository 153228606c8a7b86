// The sensors flow's contract (sensors.test.ts) with its store on PostgreSQL.
import { contractsOnPostgres } from "../test/on-postgres.js";

await contractsOnPostgres("sensors", () => import("./sensors.test.js"));
