import { Type, type Static, type TObject, type TString, type StringOptions } from "@sinclair/typebox";
import type { NodeBehaviour, NodeHandle, Logger } from "../engine/types.js";
import type { Store } from "../store/types.js";

/** JSON Schema keyword that marks a config field as a reference to a shared connection of a type. */
export const CONNECTION_KEYWORD = "x-wattflow-connection";
/** JSON Schema keyword that marks a config field as secret: never written back, never returned by the API. */
export const SECRET_KEYWORD = "x-wattflow-secret";

/** JSON Schema keyword that marks a config field as taken literally: no `${NAME}` interpolation (code, templates). */
export const RAW_KEYWORD = "x-wattflow-raw";

/** JSON Schema keyword that marks a config field as a path to a file next to the flow file (code, a page). */
export const FILE_KEYWORD = "x-wattflow-file";

/** A config field that names a connection of the given type (the editor shows a picker). */
export function Connection(connectionType: string, options: StringOptions = {}): TString {
  return Type.String({ ...options, [CONNECTION_KEYWORD]: connectionType });
}

/** A config field holding a secret; flows should set it from the environment (`${TOKEN}`). */
export function Secret(options: StringOptions = {}): TString {
  return Type.String({ ...options, [SECRET_KEYWORD]: true });
}

/** Which runtime events a node listens to, besides its input wire. */
export type NodeListens = "errors" | "status" | "complete";

export interface NodeDefinition<C extends TObject = TObject> {
  /** Unique type name, kebab-case: `modbus-read`. */
  type: string;
  /** Palette group: `common`, `function`, `network`, `time series`, `storage`, ... */
  category: string;
  /** One sentence shown in the palette and the catalog. */
  summary: string;
  /** Markdown documentation shown beside the property form (usually the node's README). */
  docs?: string;
  /**
   * The version of this type's config shape, a whole number from 1 (the
   * default). Raise it when a config written for the old shape would no
   * longer be right, and give `migrate`. Flow files record the version each
   * node was written for (`typeVersion`, absent meaning 1); an older one is
   * migrated on load, a newer one is refused.
   */
  version?: number;
  /**
   * Brings a config written for `fromVersion` (always below `version`) to the
   * current shape. It gets the config as written in the file (`${NAME}`
   * references not yet resolved, no defaults filled in) and returns a new
   * object; the result is then checked against `config` as usual. A throw
   * refuses the flow with its message.
   */
  migrate?(config: Readonly<Record<string, unknown>>, fromVersion: number): Record<string, unknown>;
  config: C;
  /** 0 for sources, 1 for everything else. */
  inputs: 0 | 1;
  /** One label per output port. */
  outputs: readonly string[];
  /** Output ports for a given config, for nodes whose port count is configured (`switch`, `function`). */
  outputsFor?(config: Static<C>): readonly string[];
  /**
   * Checks what the schema cannot (a JSON Schema inside the config, a
   * regular expression): problems found here refuse the deploy, named by
   * `pointer` under the node's config (`/schema/properties/x`), instead of
   * failing the node at start.
   */
  checkConfig?(config: Static<C>): readonly { pointer: string; message: string }[];
  /**
   * Messages handed to `input` whose `done` has not been called yet, at most.
   * Past it, messages wait in the node's queue, so a slow sink pushes back on
   * its sources instead of piling up work (default 1000).
   */
  concurrency?: number;
  /** Makes the node receive the flow's errors or status changes as input (`catch`, `status`). */
  listens?: NodeListens;
  /**
   * Destinations that are not drawn as wires, reached through the port after the declared outputs:
   * output 0 of `link-out` (which declares none), output 1 of `link-call`. Ids may be `flow/node`.
   */
  virtualWires?(config: Static<C>): readonly string[];
  create(node: NodeHandle, config: Static<C>): NodeBehaviour | Promise<NodeBehaviour>;
}

/** The output port labels of a node with this config. */
export function outputPorts(definition: AnyNodeDefinition, config: Record<string, unknown>): readonly string[] {
  return definition.outputsFor ? definition.outputsFor(config) : definition.outputs;
}

/** The version of a node type's config shape (1 unless the definition says otherwise). */
export function nodeTypeVersion(definition: AnyNodeDefinition): number {
  return definition.version ?? 1;
}

/** The erased form the registry stores. */
export type AnyNodeDefinition = NodeDefinition<TObject>;

/** One definition gives the TypeScript config type, the JSON Schema and the behaviour. */
export function defineNode<C extends TObject>(definition: NodeDefinition<C>): NodeDefinition<C> {
  const { version } = definition;
  // A plugin mistake found here names the type, instead of surfacing later as a confusing flow error.
  if (version !== undefined && !(Number.isInteger(version) && version >= 1)) {
    throw new Error(`node type "${definition.type}": version must be a whole number from 1 (got ${JSON.stringify(version)})`);
  }
  if ((version ?? 1) > 1 && typeof definition.migrate !== "function") {
    throw new Error(`node type "${definition.type}" is at version ${version} but has no migrate(config, fromVersion) for flows written for older versions`);
  }
  return definition;
}

/** What a connection's `create` gets. */
export interface ConnectionHandle {
  readonly id: string;
  readonly flowId: string;
  readonly type: string;
  readonly log: Logger;
  readonly store: Store;
  env(name: string): string | undefined;
}

/** How a shared connection is doing, for health endpoints and metrics. */
export interface ConnectionHealth {
  /** up: working; degraded: working, with a problem someone should look at (a backlog near its bound); down: its peer is not reachable. */
  status: "up" | "degraded" | "down";
  /** For people: "connected", "reconnecting: connect ECONNREFUSED …", "away: …". */
  detail: string;
  /** Reconnect attempts since it started, for a connection that reconnects by itself. */
  reconnects?: number;
  /** Anything else worth showing with the check (e.g. an outbox's depth and bound); plain JSON. */
  info?: Readonly<Record<string, unknown>>;
}

export interface ConnectionInstance<T = unknown> {
  /** The object nodes get from `node.connection(id)`. */
  value: T;
  /**
   * Called once the flow's nodes have started (after a deploy that opened this
   * connection). A connection that receives on its own, like a persistent MQTT
   * session, starts receiving here so nothing arrives before its nodes listen.
   */
  ready?(): void | Promise<void>;
  close?(): void | Promise<void>;
  /** Its current health (may ask the peer, briefly); read by health-check nodes and /metrics. */
  health?(): ConnectionHealth | Promise<ConnectionHealth>;
}

export interface ConnectionDefinition<C extends TObject = TObject, T = unknown> {
  type: string;
  summary: string;
  docs?: string;
  config: C;
  create(handle: ConnectionHandle, config: Static<C>): ConnectionInstance<T> | Promise<ConnectionInstance<T>>;
}

export type AnyConnectionDefinition = ConnectionDefinition<TObject, unknown>;

export function defineConnection<C extends TObject, T>(definition: ConnectionDefinition<C, T>): ConnectionDefinition<C, T> {
  return definition;
}

/** A device simulator a plugin offers to `wattflow simulate NAME` (so flows run with no hardware). */
export interface Simulator {
  summary: string;
  start(options: { port?: number; host?: string; args?: Record<string, string> }): Promise<{ url: string; close(): Promise<void> }>;
}

/** What a plugin module exports (default export or `nodes` / `connections` / `simulators` named exports). */
export interface PluginExports {
  nodes?: readonly AnyNodeDefinition[];
  connections?: readonly AnyConnectionDefinition[];
  simulators?: Readonly<Record<string, Simulator>>;
}
