import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Logger } from "pino";
import type { Store } from "../store/types.js";
import { canonicalJson, writeFlowFileAtomic } from "../flow/index.js";
import { isFlowFileName } from "../manager/flow-manager.js";

/**
 * Before a runtime of a cluster loads its flows folder: a flow file older than the flow's latest
 * revision in the shared store (deployed while this runtime was down, or on a machine whose copy
 * of the folder this is) is replaced by that revision, so the runtime joins the cluster's history
 * instead of deploying its stale copy to everyone. A file changed after the latest revision wins,
 * as a changed file always does. Returns the flows it brought up to date.
 */
export async function refreshFlowFiles(store: Store, flowsDir: string, log: Logger): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(flowsDir)).filter(isFlowFileName);
  } catch {
    return [];
  }
  const refreshed: string[] = [];
  for (const name of names) {
    const path = join(flowsDir, name);
    let doc: { id?: unknown };
    let mtime: number;
    try {
      doc = JSON.parse(await readFile(path, "utf8")) as { id?: unknown };
      mtime = (await stat(path)).mtimeMs;
    } catch {
      continue; // unreadable or not JSON: loading it reports why
    }
    const flowId = typeof doc.id === "string" && doc.id ? doc.id : basename(name, ".json");
    const latest = await store.revisions.latest(flowId);
    if (!latest || latest.time <= mtime) continue;
    if (canonicalJson(latest.document) === canonicalJson(doc)) continue;
    await writeFlowFileAtomic(path, latest.document);
    refreshed.push(flowId);
    log.info({ flow: flowId, revision: latest.revision, file: path }, `${flowId}: ${name} is older than revision ${latest.revision} in the shared store; running that revision`);
  }
  return refreshed;
}
