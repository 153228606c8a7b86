// The heat pump flow's contract (heatpump.test.ts) with its store on PostgreSQL.
import { contractsOnPostgres } from "../test/on-postgres.js";

await contractsOnPostgres("heatpump", () => import("./heatpump.test.js"));
