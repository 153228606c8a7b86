import type { Logger } from "pino";
import type { RuntimeEvent } from "../api/types.js";
import type { FlowManagerApi } from "../manager/types.js";
import type { Store } from "../store/types.js";
import type { Cluster } from "./cluster.js";

interface DeployNotice {
  flowId: string;
  revision?: number;
  hash?: string;
  removed?: true;
}

export interface SharedDeploys {
  /** Feed every runtime event here: local deploys and removals are told to the peers. */
  onEvent(event: RuntimeEvent): void;
}

/**
 * Deploys reach every runtime: a runtime that deployed (over the API, a changed file or a rollback)
 * tells its peers, and each peer runs that flow's latest revision from the shared store. The store
 * decided the revision number, so every runtime shows the same history; what a peer applies is not
 * told again.
 */
export async function shareDeploys(cluster: Cluster, manager: FlowManagerApi, store: Store, log: Logger): Promise<SharedDeploys> {
  /** Flow id → hash being applied from a peer: its deploy event here is an echo, not news. */
  const applying = new Map<string, string>();

  const apply = async (flowId: string, from: string): Promise<void> => {
    const latest = await store.revisions.latest(flowId);
    if (!latest) return;
    if (manager.get(flowId)?.hash === latest.hash) return;
    applying.set(flowId, latest.hash);
    try {
      const outcome = await manager.deploy({ flowId, flow: latest.document, author: latest.author, message: latest.message || `deployed on ${from}` });
      if (!outcome.ok) log.error({ flow: flowId, from, outcome: outcome.kind }, `${flowId}: revision ${latest.revision} deployed on ${from} could not run here`);
      else log.info({ flow: flowId, from, revision: latest.revision }, `${flowId}: revision ${latest.revision} deployed on ${from}`);
    } finally {
      applying.delete(flowId);
    }
  };

  await cluster.subscribe("deploys", (text, from) => {
    const notice = JSON.parse(text) as DeployNotice;
    if (notice.removed) {
      void manager.remove(notice.flowId).then((r) => r.ok && log.info({ flow: notice.flowId, from }, `${notice.flowId}: removed on ${from}`));
      return;
    }
    void apply(notice.flowId, from).catch((err: unknown) => log.error({ flow: notice.flowId, err: err instanceof Error ? err.message : String(err) }, "applying a peer's deploy failed"));
  });
  // Deploys published while this runtime could not listen were missed: catch up with every flow it runs.
  cluster.onReconnect(() => {
    for (const f of manager.list()) void apply(f.id, "a peer").catch(() => undefined);
  });

  return {
    onEvent(event) {
      if (event.type === "deploy") {
        if (applying.get(event.flowId) === event.hash) return;
        cluster.publish("deploys", JSON.stringify({ flowId: event.flowId, revision: event.revision, hash: event.hash } satisfies DeployNotice));
      } else if (event.type === "flow-removed") {
        cluster.publish("deploys", JSON.stringify({ flowId: event.flowId, removed: true } satisfies DeployNotice));
      }
    },
  };
}

/** The part of the flow server's WebSocket hub that cluster fan-out uses. */
export interface RelayingHub {
  setRelay(relay: (path: string, text: string) => void): void;
  deliverRelayed(path: string, text: string): number;
}

/** What `ws-out` broadcasts on one runtime reaches the WebSocket clients of every runtime. */
export async function shareWebSockets(cluster: Cluster, hub: RelayingHub): Promise<void> {
  await cluster.subscribe("ws", (text) => {
    const { path, data } = JSON.parse(text) as { path: string; data: string };
    hub.deliverRelayed(path, data);
  });
  hub.setRelay((path, data) => cluster.publish("ws", JSON.stringify({ path, data })));
}
