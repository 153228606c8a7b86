// The powermonitor flow's contract (powermonitor.test.ts) with its store on PostgreSQL.
import { contractsOnPostgres } from "../test/on-postgres.js";

await contractsOnPostgres("powermonitor", () => import("./powermonitor.test.js"));
