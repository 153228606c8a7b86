import { useCallback, useEffect, useState } from "react";
import type { ContextListing } from "../../../packages/runtime/src/server/context-api.js";
import { api, Unauthorized } from "../api.js";
import type { FlowDocument, FlowNode } from "../state/flow-state.js";
import { SUBFLOW_PREFIX } from "../state/subflows.js";

/** `node:<id>` (a node of the running flow), `flow` or `global`. */
export type ContextScope = `node:${string}` | "flow" | "global";

/** The admin API path of a scope's context. */
export function contextPath(scope: ContextScope, flowId: string): string {
  if (scope === "global") return "/api/context/global";
  if (scope === "flow") return `/api/context/flow/${encodeURIComponent(flowId)}`;
  return `/api/context/node/${encodeURIComponent(flowId)}/${encodeURIComponent(scope.slice("node:".length))}`;
}

/**
 * The running nodes a drawn node stands for: itself, or for a subflow instance
 * its copies (`<instance>.<inner>`), which are the nodes that keep context.
 */
export function runningNodeIds(doc: FlowDocument, node: FlowNode | undefined): string[] {
  if (!node) return [];
  if (!node.type.startsWith(SUBFLOW_PREFIX)) return [node.id];
  const sub = doc.subflows?.find((s) => s.id === node.type.slice(SUBFLOW_PREFIX.length));
  return (sub?.nodes ?? []).map((inner) => `${node.id}.${inner.id}`);
}

/**
 * What the running nodes keep in context (their own, their flow's, the
 * global one), as the runtime has it now: read on opening and on Refresh,
 * not live, since context can change many times a second.
 */
export function ContextPanel({ doc, node }: { doc: FlowDocument; node: FlowNode | undefined }) {
  const flowId = doc.id;
  const nodeIds = runningNodeIds(doc, node);
  const first: ContextScope | undefined = nodeIds[0] === undefined ? undefined : `node:${nodeIds[0]}`;
  const [scope, setScope] = useState<ContextScope>(first ?? "flow");
  const [listing, setListing] = useState<ContextListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadedAt, setLoadedAt] = useState<string>("");

  useEffect(() => {
    // Selecting a node shows its context; clearing the selection falls back to the flow's.
    setScope((s) => first ?? (s.startsWith("node:") ? "flow" : s));
  }, [first]);

  const path = contextPath(scope, flowId);
  const load = useCallback(async () => {
    try {
      const res = await api<ContextListing & { message?: string }>("GET", path);
      if (res.status === 200) {
        setListing(res.body);
        setError(null);
        setLoadedAt(new Date().toLocaleTimeString());
      } else setError(res.body?.message ?? `could not read context (HTTP ${res.status})`);
    } catch (err) {
      setError(err instanceof Unauthorized ? "log in again to see context" : `the runtime did not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, [path]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="context-panel" data-testid="context-panel">
      <div className="toolbar">
        <select aria-label="context scope" value={scope} onChange={(e) => setScope(e.target.value as ContextScope)} data-testid="context-scope">
          {nodeIds.length === 0 && (
            <option value="node:" disabled>
              node (select one)
            </option>
          )}
          {nodeIds.map((id) => (
            <option key={id} value={`node:${id}`}>
              node {id}
            </option>
          ))}
          <option value="flow">flow {flowId}</option>
          <option value="global">global</option>
        </select>
        <button onClick={() => void load()} data-testid="context-refresh">
          Refresh
        </button>
        {listing && loadedAt && <small className="muted">{loadedAt}</small>}
      </div>
      {error && <p className="error">{error}</p>}
      {listing?.entries.length === 0 && <p className="muted">Nothing in {scope === "global" || scope === "flow" ? scope : "this node's"} context.</p>}
      {listing?.entries.map((e) => (
          <div className="context-entry" key={e.key} data-testid="context-entry">
            <b>{e.key}</b> <small className="muted">{e.size} chars</small>
            <pre>{e.preview !== undefined ? `${e.preview}… (too large to show whole)` : JSON.stringify(e.value, null, 2)}</pre>
          </div>
        ))}
    </div>
  );
}
