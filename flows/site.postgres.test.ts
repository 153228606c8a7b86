// The site flow's contract (site.test.ts) with its store on PostgreSQL.
import { contractsOnPostgres } from "../test/on-postgres.js";

await contractsOnPostgres("site", () => import("./site.test.js"));
