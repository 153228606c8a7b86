import type { AnyConnectionDefinition, AnyNodeDefinition } from "../registry/define.js";
import type { FlowDocument, QueuePolicy } from "./types.js";

/**
 * A flow after validation: every node's config interpolated, defaulted and
 * checked against its type's schema, every wire resolved. The engine only
 * ever runs compiled flows, so a deploy can be refused before anything stops.
 */
export interface CompiledNode {
  id: string;
  type: string;
  name: string | undefined;
  /** Config with `${NAME}` filled in and schema defaults applied. */
  config: Record<string, unknown>;
  /** Target node ids per output port; `flow/node` ids point into other flows. */
  wires: string[][];
  queue: { size: number; policy: QueuePolicy; concurrency?: number };
  disabled: boolean;
  definition: AnyNodeDefinition;
  /** Output port labels for this config. */
  ports: readonly string[];
  /** Ids of the flow's connections this node's config references. */
  connections: string[];
  /** Hash of what a restart depends on: type, name, config, queue, disabled (not wires or position). */
  hash: string;
}

export interface CompiledConnection {
  id: string;
  type: string;
  name: string | undefined;
  config: Record<string, unknown>;
  definition: AnyConnectionDefinition;
  hash: string;
}

export interface CompiledFlow {
  id: string;
  label: string;
  /** The document as given (with `${NAME}` left in place): what is stored and returned. */
  document: FlowDocument;
  /** Effective environment for `node.env()`: flow defaults overlaid by the process environment. */
  env: Record<string, string>;
  connections: CompiledConnection[];
  nodes: CompiledNode[];
  /** sha256 of the canonical document. */
  hash: string;
  file: string | undefined;
}

export const DEFAULT_QUEUE_SIZE = 10_000;
