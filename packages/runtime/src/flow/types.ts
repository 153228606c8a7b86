/** Flow format 1: the JSON document a flow file holds. */

export const FLOW_FORMAT = "wattflow/flow@1";

export type QueuePolicy = "block" | "drop-oldest" | "drop-newest";

export interface QueueConfig {
  /** Messages waiting before the policy applies (default 10,000). */
  size?: number;
  policy?: QueuePolicy;
  /** Messages the node works on at once (handed to it, not yet done); overrides the type's default. */
  concurrency?: number;
}

export interface FlowNode {
  id: string;
  type: string;
  /** The version of the node type the config was written for (absent: 1); older ones are migrated on load. */
  typeVersion?: number;
  name?: string;
  config?: Record<string, unknown>;
  /** One array of target node ids per output port. */
  wires?: string[][];
  position?: { x: number; y: number };
  queue?: QueueConfig;
  /** A disabled node is not started and passes nothing. */
  disabled?: boolean;
}

export interface FlowConnection {
  id: string;
  type: string;
  name?: string;
  config?: Record<string, unknown>;
}

/** A fragment used by nodes of type `subflow:<id>`, expanded at compile time into copies with ids `<instance>.<inner>`. */
export interface FlowSubflow {
  id: string;
  label?: string;
  description?: string;
  /** A JSON Schema per parameter, written `${name}` in the inner configs; without a default, a parameter is required. */
  params?: Record<string, Record<string, unknown>>;
  /** Inner nodes that receive what is wired into an instance. */
  input?: string[];
  /** An instance's output ports, each an inner node's output port (default 0). */
  outputs?: { node: string; port?: number }[];
  nodes: FlowNode[];
}

export interface FlowDocument {
  format: typeof FLOW_FORMAT;
  id: string;
  label?: string;
  description?: string;
  /** Defaults for `${NAME}` interpolation; the process environment wins. */
  env?: Record<string, string>;
  /** Runs the flow in a worker thread of its own (see the README's engine section for what crosses and what it costs). */
  isolate?: boolean;
  connections?: FlowConnection[];
  subflows?: FlowSubflow[];
  nodes: FlowNode[];
}

/** One problem found in a flow file. */
export interface FlowIssue {
  /** Path of the file, when the flow came from one. */
  file?: string;
  flowId?: string;
  nodeId?: string;
  /** JSON pointer into the flow document, e.g. `/nodes/3/config/interval`. */
  pointer: string;
  message: string;
}

/** The change a deploy makes, by node and connection id. */
export interface FlowDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** Nodes whose only change is their wiring or position: rewired, not restarted. */
  rewired: string[];
  connections: { added: string[]; removed: string[]; changed: string[] };
  /** Nodes restarted because a connection they use changed. */
  restartedByConnection: string[];
  flowChanged: boolean;
}
