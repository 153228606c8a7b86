import type { CompiledConnection, CompiledFlow, CompiledNode } from "../../flow/compiled.js";
import type { Registry } from "../../registry/registry.js";

/**
 * A compiled flow as it crosses into its worker: everything but the type
 * definitions (code, which cannot be copied), which the worker takes from
 * its own registry by type. The configs are the ones the main thread
 * compiled and checked, so the worker runs exactly what was validated.
 */
export interface WireFlow extends Omit<CompiledFlow, "nodes" | "connections"> {
  nodes: Omit<CompiledNode, "definition">[];
  connections: Omit<CompiledConnection, "definition">[];
}

export function toWireFlow(flow: CompiledFlow): WireFlow {
  return {
    ...flow,
    nodes: flow.nodes.map(({ definition: _d, ...rest }) => rest),
    connections: flow.connections.map(({ definition: _d, ...rest }) => rest),
  };
}

/** The compiled flow again, with this thread's definitions; a type this thread's plugins lack is named. */
export function fromWireFlow(wire: WireFlow, registry: Registry): CompiledFlow {
  const missing: string[] = [];
  const nodes = wire.nodes.map((n): CompiledNode => {
    const definition = registry.node(n.type);
    if (!definition) missing.push(`node ${n.id} (type ${n.type})`);
    return { ...n, definition: definition! };
  });
  const connections = wire.connections.map((c): CompiledConnection => {
    const definition = registry.connection(c.type);
    if (!definition) missing.push(`connection ${c.id} (type ${c.type})`);
    return { ...c, definition: definition! };
  });
  if (missing.length > 0) {
    throw new Error(
      `flow ${wire.id} is isolated, but its worker thread's plugins lack ${missing.join(", ")}: the worker loads plugins from node_modules and the nodes folder, not types registered in code`,
    );
  }
  return { ...wire, nodes, connections };
}
