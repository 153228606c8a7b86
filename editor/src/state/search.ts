/** Finding nodes across flows by name, type or id. */
import type { FlowNode } from "./flow-state.js";

export interface SearchableFlow {
  id: string;
  label: string;
  nodes: readonly FlowNode[];
}

export interface NodeMatch {
  flowId: string;
  flowLabel: string;
  nodeId: string;
  type: string;
  name?: string;
}

/** Nodes whose name, type or id contains the query (any case); exact matches of id or name first, then by flow order. */
export function searchNodes(flows: readonly SearchableFlow[], query: string, limit = 50): NodeMatch[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const scored: { match: NodeMatch; score: number; order: number }[] = [];
  let order = 0;
  for (const flow of flows) {
    for (const n of flow.nodes) {
      const fields = [n.id, n.name ?? "", n.type].map((f) => f.toLowerCase());
      order++;
      if (!fields.some((f) => f.includes(q))) continue;
      const score = fields[0] === q || fields[1] === q ? 0 : fields.some((f) => f.startsWith(q)) ? 1 : 2;
      scored.push({ match: { flowId: flow.id, flowLabel: flow.label, nodeId: n.id, type: n.type, ...(n.name ? { name: n.name } : {}) }, score, order });
    }
  }
  return scored
    .sort((a, b) => a.score - b.score || a.order - b.order)
    .slice(0, limit)
    .map((s) => s.match);
}
