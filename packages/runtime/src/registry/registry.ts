import type { AnyConnectionDefinition, AnyNodeDefinition, Simulator } from "./define.js";
import type { ConnectionCatalogEntry, NodeCatalog, NodeCatalogEntry } from "../api/types.js";

/** The node and connection types the runtime knows: a plain map, filled by plugin discovery. */
export class Registry {
  private readonly nodes = new Map<string, { definition: AnyNodeDefinition; module: string }>();
  private readonly connections = new Map<string, { definition: AnyConnectionDefinition; module: string }>();
  readonly failedPlugins: { module: string; error: string }[] = [];
  readonly simulators = new Map<string, Simulator & { module: string }>();

  registerSimulator(name: string, simulator: Simulator, module = "local"): void {
    this.simulators.set(name, { ...simulator, module });
  }

  registerNode(definition: AnyNodeDefinition, module = "local"): void {
    const existing = this.nodes.get(definition.type);
    if (existing && existing.module !== module) {
      throw new Error(`node type "${definition.type}" from ${module} is already provided by ${existing.module}`);
    }
    this.nodes.set(definition.type, { definition, module });
  }

  registerConnection(definition: AnyConnectionDefinition, module = "local"): void {
    const existing = this.connections.get(definition.type);
    if (existing && existing.module !== module) {
      throw new Error(`connection type "${definition.type}" from ${module} is already provided by ${existing.module}`);
    }
    this.connections.set(definition.type, { definition, module });
  }

  reportFailedPlugin(module: string, error: string): void {
    this.failedPlugins.push({ module, error });
  }

  node(type: string): AnyNodeDefinition | undefined {
    return this.nodes.get(type)?.definition;
  }

  /** The package that provides a node type (for messages about its version). */
  nodeModule(type: string): string | undefined {
    return this.nodes.get(type)?.module;
  }

  connection(type: string): AnyConnectionDefinition | undefined {
    return this.connections.get(type)?.definition;
  }

  nodeTypes(): string[] {
    return [...this.nodes.keys()].sort();
  }

  catalog(): NodeCatalog {
    const nodes: NodeCatalogEntry[] = [...this.nodes.values()]
      .map(({ definition: d, module }) => ({
        type: d.type,
        category: d.category,
        summary: d.summary,
        docs: d.docs ?? "",
        inputs: d.inputs,
        outputs: [...d.outputs],
        version: d.version ?? 1,
        configSchema: toPlainSchema(d.config),
        module,
      }))
      .sort((a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type));
    const connections: ConnectionCatalogEntry[] = [...this.connections.values()]
      .map(({ definition: d, module }) => ({
        type: d.type,
        summary: d.summary,
        docs: d.docs ?? "",
        configSchema: toPlainSchema(d.config),
        module,
      }))
      .sort((a, b) => a.type.localeCompare(b.type));
    return { nodes, connections, failedPlugins: [...this.failedPlugins] };
  }
}

/** TypeBox schemas carry symbol keys; JSON round-trip leaves the plain JSON Schema. */
function toPlainSchema(schema: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
