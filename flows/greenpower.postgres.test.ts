// The Green Power flow's contract (greenpower.test.ts) with its store on PostgreSQL: records, rollups, retention tiers.
import { contractsOnPostgres } from "../test/on-postgres.js";

await contractsOnPostgres("greenpower", () => import("./greenpower.test.js"));
