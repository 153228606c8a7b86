import type { CompiledFlow } from "./compiled.js";
import type { FlowIssue } from "./types.js";
import { escapePointer } from "./interpolate.js";

/**
 * What another flow offers to links: its node ids, and for each whether it
 * takes input. `undefined` when no such flow is running or about to start.
 */
export type FlowNodesLookup = (flowId: string) => ReadonlyMap<string, { takesInput: boolean }> | undefined;

/** The JSON pointer (under the node) of the first config string equal to `value`, so the error names the field. */
function fieldHolding(config: unknown, value: string, pointer = "/config"): string | undefined {
  if (config === value) return pointer;
  if (config !== null && typeof config === "object") {
    for (const [k, v] of Object.entries(config)) {
      const found = fieldHolding(v, value, `${pointer}/${escapePointer(k)}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Links and wires that point into another flow (`flow/node`) must name a flow
 * that runs (or starts with this one) and a node of it that takes input;
 * otherwise the deploy is refused, naming the flow, the node, the field and
 * the missing target.
 */
export function crossFlowProblems(flow: CompiledFlow, lookup: FlowNodesLookup): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const docNodes = flow.document.nodes ?? [];
  for (const node of flow.nodes) {
    const index = docNodes.findIndex((n) => n.id === node.id);
    const base = index >= 0 ? `/nodes/${index}` : "";
    const targets: { target: string; pointer: string }[] = [];
    node.wires.forEach((port, p) => port.forEach((t, w) => targets.push({ target: t, pointer: `${base}/wires/${p}/${w}` })));
    let virtual: readonly string[] = [];
    try {
      virtual = node.definition.virtualWires?.(node.config as never) ?? [];
    } catch {
      // The compiler already reported a definition that cannot list its links.
    }
    const rawConfig = index >= 0 ? docNodes[index]!.config : undefined;
    for (const t of virtual) targets.push({ target: t, pointer: `${base}${fieldHolding(rawConfig, t) ?? fieldHolding(node.config, t) ?? "/config"}` });

    for (const { target, pointer } of targets) {
      const slash = target.indexOf("/");
      if (slash < 0) continue;
      const [flowId, nodeId] = [target.slice(0, slash), target.slice(slash + 1)];
      const nodes = flowId === flow.id ? new Map(flow.nodes.map((n) => [n.id, { takesInput: n.definition.inputs > 0 }])) : lookup(flowId);
      const found = nodes?.get(nodeId);
      const why = !nodes
        ? `there is no flow "${flowId}"`
        : !found
          ? `flow "${flowId}" has no node "${nodeId}"`
          : !found.takesInput
            ? `"${nodeId}" in flow "${flowId}" takes no input`
            : undefined;
      if (why) issues.push({ file: flow.file, flowId: flow.id, nodeId: node.id, pointer, message: `links to "${target}", but ${why}` });
      // A call waits for its return in its own thread: from an isolated flow's worker, nothing in another flow can answer it.
      else if (flow.document.isolate === true && node.type === "link-call" && flowId !== flow.id) {
        issues.push({ file: flow.file, flowId: flow.id, nodeId: node.id, pointer, message: `calls "${target}" in another flow, but this flow is isolated (its own thread), where the return cannot come back; use link-out and link-in, or don't isolate the flow` });
      }
    }
  }
  return issues;
}
