import type { FlowNode } from "../../../packages/runtime/src/flow/types.js";

/** Where a link node sends: a node of this flow, or of another flow (`flow/node`). */
export interface LinkTarget {
  flowId: string;
  nodeId: string;
  /** As written in the node's config. */
  text: string;
}

/** The undrawn wires of a `link-out` (its `links`) or a `link-call` (its `target`), resolved to flow and node. */
export function linkTargets(node: FlowNode, flowId: string): LinkTarget[] {
  const config = (node.config ?? {}) as { links?: unknown; target?: unknown; mode?: unknown };
  const written = node.type === "link-out" && config.mode !== "return" && Array.isArray(config.links) ? config.links : node.type === "link-call" ? [config.target] : [];
  return written
    .filter((t): t is string => typeof t === "string" && t.length > 0)
    .map((text) => {
      const slash = text.indexOf("/");
      return slash < 0 ? { flowId, nodeId: text, text } : { flowId: text.slice(0, slash), nodeId: text.slice(slash + 1), text };
    });
}
